# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Reconciliation's schedule, the windows it settles, its audit, guards.

Split from test_reconcile, whose ReconcileTestCase and constants these
tests share: the simulated cloud on loopback, a migrated database.
"""

import datetime

from scs_metering.common import timeutils
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.reconcile import audit
from scs_metering.reconcile import scheduler
from scs_metering.tests.simulator import workload
from scs_metering.tests.unit import test_reconcile

T0 = test_reconcile.T0
MINUTE = test_reconcile.MINUTE
TINY = test_reconcile.TINY
SMALL = test_reconcile.SMALL


class SettledWindowsTest(test_reconcile.ReconcileTestCase):

    def test_windows_close_only_up_to_a_successful_reconciliation(self):
        self.config('reconciliation', resource_types=['instance'])
        self.server()
        closer = windows.WindowCloser(
            self.connection, self.definitions_,
            settled=windows.coverage(self.conf, self.connection))
        self.later(150)
        self.assertEqual(0, closer.run(now=self.clock.now()))
        self.reconciler().run('instance')
        self.later(200)
        closer.run(now=self.clock.now())
        records = self.connection.current_records(meter='instance')
        # Reconciled at 10:30 (less the margin): windows up to 10:00.
        self.assertEqual([T0 + i * 60 * MINUTE for i in range(2)],
                         [r.window_start for r in records])
        self.assertEqual([{'notification': 3600}] * 2,
                         [r.provenance for r in records])

    def test_time_only_without_reconciliation(self):
        self.assertIsNone(windows.coverage(self.conf, self.connection))

    def test_reconciled_usage_carries_its_provenance(self):
        self.server(notify=False)
        self.later(150)
        self.reconciler().run('instance')
        windows.WindowCloser(self.connection, self.definitions_).run(
            now=self.clock.now())
        records = self.connection.current_records(meter='instance')
        self.assertEqual([{'reconciliation': 3600}] * 2,
                         [r.provenance for r in records])


class SchedulerTest(test_reconcile.ReconcileTestCase):

    def test_one_reconciler_runs_each_type_once_per_interval(self):
        self.config('reconciliation', resource_types=['instance', 'volume'],
                    intervals={'instance': '600'}, default_interval=1800)
        self.server()
        plan = scheduler.Scheduler(self.conf, self.connection,
                                   'one', self.clock.now)
        plan.start()
        self.addCleanup(plan.stop)
        reconciler = self.reconciler()
        ran = []
        for _minute in range(0, 60, 5):
            ran += [(r.resource_type, r.started_at)
                    for r in plan.run_due(reconciler)]
            self.later(5)
        self.assertEqual(
            [('instance', T0 + m * MINUTE) for m in (0, 10, 20, 30, 40, 50)],
            [r for r in ran if r[0] == 'instance'])
        self.assertEqual([('volume', T0), ('volume', T0 + 30 * MINUTE)],
                         [r for r in ran if r[0] == 'volume'])


class AuditTest(test_reconcile.ReconcileTestCase):
    """Audit notifications checked against the engine's timelines."""

    def audit(self, resource, when, **attributes):
        snapshot = {k: v for k, v in resource.attributes.items()
                    if k in TINY}
        snapshot.update(attributes)
        self.ingestor.store([ev.Event(
            id=ev.stable_id('audit', resource.resource_id, when),
            resource_type='instance', resource_id=resource.resource_id,
            action=ev.EXISTS, time=when, project_id=resource.project_id,
            user_id=resource.user_id, started_at=resource.launched_at,
            attributes=snapshot, provenance=ev.AUDIT)])

    def check(self):
        # Audits are read up to a minute before now: run a bit later.
        later = timeutils.utcnow() + audit.LAG + datetime.timedelta(
            seconds=2)
        return audit.AuditCheck(self.connection, 'test',
                                clock=lambda: later).run()

    def test_matches_heartbeats_drift_missed_creates_and_conflicts(self):
        kept, resized, dead = self.server(), self.server(), self.server()
        unknown = self.server(notify=False)
        self.later(60)
        now = self.clock.now()
        self.audit(kept, now)
        self.audit(resized, now, **{k: v for k, v in SMALL.items()})
        self.audit(unknown, now)
        self.notified(dead, ev.DELETE, now - 30 * MINUTE)
        self.audit(dead, now)
        [report] = self.check()
        self.assertEqual((4, 1, 1, 1, 1), (
            report.listed, report.matched, report.drift,
            report.missed_creates, report.errors))
        tracked = self.connection.tracked(
            'instance', [kept.resource_id])
        self.assertEqual(now, tracked[kept.resource_id].last_seen_at)
        # The engine folded the audits: the drift and the missed create
        # are corrected, from the audit's time and its launch time.
        self.assertEqual('m1.small', dict(
            self.periods(resized)[-1].snapshot.attributes)['flavor_name'])
        self.assertEqual(unknown.launched_at, self.periods(unknown)[0].start)
        # Nothing is checked twice; the pass is not a listing.
        self.assertEqual([], self.check())
        self.assertIsNone(self.connection.last_started(
            'instance'))


class GuardsTest(test_reconcile.ReconcileTestCase):
    """Listed figures pass the notifications' guards (issue 13).

    Before, a listed size of 10**30 became a missed create the window
    closer could not write, and a 20,000-character id failed the listing.
    """

    def volume(self, size, resource_id=None):
        return self.cloud.create(
            'volume', self.cloud.projects[0],
            {'state': 'available', 'size': size,
             'volume_type': workload.VOLUME_TYPE}, resource_id=resource_id)

    def test_a_bad_figure_spoils_only_its_item(self):
        good = self.volume(10)
        self.volume(10 ** 30)
        self.volume(-5)
        self.volume(10, resource_id='v' * 20000)
        self.later(10)
        report = self.reconciler().run('volume')
        self.assertEqual(('success', 3, 1), (
            report.status, report.errors, report.missed_creates))
        [period] = self.periods(good, 'volume')
        self.assertEqual(10, dict(period.snapshot.attributes)['size'])
        self.assertEqual(1, self.connection.count('Resource'))

    def test_a_bad_polled_figure_is_quarantined_with_its_service(self):
        for project, used in zip(self.cloud.projects[:2], (14, 10 ** 19)):
            self.cloud.create('swift_account', project, {'bytes': used},
                              resource_id=project)
        self.later(1)
        report = self.reconciler().run('swift_account')
        self.assertEqual('success', report.status)
        self.assertEqual(1, self.connection.count('Event'))
        [entry] = self.connection.quarantined()
        self.assertEqual('swift', entry['service'])
        self.assertIn('more than the maximum', entry['reason'])
