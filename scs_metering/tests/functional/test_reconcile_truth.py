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
"""Every lister against a simulated cloud whose truth is known exactly.

Per resource type, on the real PostgreSQL: the simulated services run a
seeded workload for some hours, their notifications (the real formats)
are converted with the shipped definitions and stored, and the type is
reconciled every 30 simulated minutes through the simulated APIs.

* When every notification arrived, reconciliation changes nothing: no
  event, no period, and every run reports each listed resource matched.
* When 30% of them are lost, usage equals the ground truth wherever the
  APIs date the facts, and stays within the documented bounds elsewhere;
  a resource whose notifications all arrived is never touched, and each
  run's counts are the resources that really were missed.
"""

import datetime

import sqlalchemy as sa

from scs_metering.agent import converter
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.reconcile import client
from scs_metering.reconcile import runner
from scs_metering.tests import bounds
from scs_metering.tests.chaos import checks
from scs_metering.tests.functional import base
from scs_metering.tests.simulator import cloud as sim_cloud
from scs_metering.tests.simulator import simulation

T0 = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.timezone.utc)
HOURS = 4
RECONCILE_EVERY = datetime.timedelta(minutes=30)
METERS = {'instance': 'instance', 'volume': 'volume.size',
          'snapshot': 'snapshot.size', 'backup': 'backup.size',
          'floating_ip': 'floating_ip', 'router': 'router',
          'dns_zone': 'dns_zone', 'image': 'image.size',
          'loadbalancer': 'loadbalancer'}
# Seeds per type: each gives a few dozen lives, with resizes and deletes.
SEED = 20


def usage(periods, meter, start, end):
    """A meter's usage of a timeline over [start, end), as the truth's."""
    return sim_cloud.truth_quantity([sim_cloud.Interval(
        p.start, p.end, dict(p.snapshot.attributes), p.snapshot.project_id)
        for p in periods], meter, start, end)


class ListerTruthTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.connection = self.database('postgresql')
        self.definitions_ = loader.load(self.conf)
        self.convert = converter.Converter(self.definitions_)
        self.ingestor = ingest.Ingestor(self.connection)

    def simulate(self, resource_type, drop):
        """Run the workload of one type, reconciling on the way."""
        sim = simulation.Simulation(T0, 'memory://', seed=SEED, drop=drop,
                                    creates=0.6, deletes=0.04)
        sim.start()
        self.addCleanup(sim.stop)
        sim.configure(self.conf)
        self.config('reconciliation', resource_types=[resource_type],
                    page_size=5)
        cloud = client.Cloud(self.conf)
        self.addCleanup(cloud.close)
        reconciler = runner.Reconciler(
            self.conf, self.connection, cloud, self.definitions_,
            host='test', clock=sim.clock.now)
        reports, stored = [], [0]

        def between(now, force=False):
            # Every notification that got through is stored first, as the
            # engine would have by then.
            fresh = sim.notifier.sent[stored[0]:]
            stored[0] += len(fresh)
            found = []
            for message in fresh:
                outcome = self.convert.convert(
                    self.convert.service_of(message), message)
                self.assertEqual([], outcome.quarantined)
                found.extend(outcome.events)
            if found:
                self.ingestor.store(found)
            if (not force and reports and
                    now - reports[-1].started_at < RECONCILE_EVERY):
                return
            report = reconciler.run(resource_type)
            self.assertEqual('success', report.status, report.summary())
            reports.append(report)

        sim.workload.run(HOURS * 3600, tick=300,
                         resource_types=(resource_type,), between=between)
        # And once more at the end, as a check of the day would.
        sim.clock.advance(60)
        between(sim.clock.now(), force=True)
        return sim, reconciler, reports

    def reconciled(self):
        with self.connection._reader() as session:
            return session.execute(sa.select(
                models.Resource.resource_id, models.Event.action).join(
                models.Resource).where(
                models.Event.provenance == ev.RECONCILIATION)).all()

    def check_nothing_changes(self, resource_type):
        sim, reconciler, reports = self.simulate(resource_type, drop=0.0)
        notified = resource_type in simulation.NOTIFIED
        if not notified:
            # Nothing tells of these but the listings: after the first
            # run that saw a resource, the next ones change nothing.
            before = self.connection.count('Event')
            periods = self.connection.count('Period')
            sim.clock.advance(600)
            report = reconciler.run(resource_type)
            self.assertEqual((before, periods), (
                self.connection.count('Event'),
                self.connection.count('Period')))
            reports = [report]
        else:
            self.assertEqual([], self.reconciled())
        self.assertGreater(len(sim.cloud.all(resource_type)), 5)
        for report in reports:
            self.assertEqual(
                ('success', report.listed, 0, 0, 0, 0),
                (report.status, report.matched, report.missed_creates,
                 report.missed_deletes, report.drift, report.errors),
                report.summary())
        self.assertGreater(sum(r.listed for r in reports), 5)

    def check_within_truth(self, resource_type):
        sim, reconciler, reports = self.simulate(resource_type, drop=0.3)
        end = sim.clock.now()
        meter = self.definitions_.meters[METERS[resource_type]]
        runs = {resource_type: [r.started_at for r in reports]}
        limits = bounds.Bounds(self.connection, sim.cloud.truth,
                               sim.notifier.dropped, runs,
                               simulation.NOTIFIED)
        touched = {rid for rid, _action in self.reconciled()}
        lost = set(limits.lost)
        exact = 0
        for resource in sim.cloud.all(resource_type):
            rid = resource.resource_id
            key = (resource_type, rid)
            truth = sim_cloud.truth_quantity(sim.cloud.truth[key], meter,
                                             T0, end)
            got = usage(self.connection.periods(resource_type, rid), meter,
                        T0, end)
            allowed = limits.allowance(key, meter, T0, end)
            self.assertLessEqual(abs(got - truth), allowed, (
                rid, got, truth, resource, self.connection.periods(
                    resource_type, rid)))
            exact += got == truth
            if resource_type in simulation.NOTIFIED and rid not in lost:
                # Every notification of it arrived: left alone.
                self.assertNotIn(rid, touched)
                self.assertEqual(truth, got)
        if resource_type in simulation.NOTIFIED:
            self.assertGreater(exact, 5)
        # The resilience suite's check of the same.
        check = checks.untouched(self.connection, sim.cloud, lost,
                                 simulation.NOTIFIED)
        self.assertEqual([], check.failures)
        # The counts are the facts the notifications really missed, each
        # stored once.
        actions = [action for _rid, action in self.reconciled()]
        self.assertEqual(
            (actions.count(ev.CREATE), actions.count(ev.DELETE),
             actions.count(ev.UPDATE)),
            (sum(r.missed_creates for r in reports),
             sum(r.missed_deletes for r in reports),
             sum(r.drift for r in reports)))
        self.assertGreater(len(actions), 0)
        return reports


def _make(resource_type):
    def test_nothing_changes(self):
        self.check_nothing_changes(resource_type)

    def test_within_truth(self):
        self.check_within_truth(resource_type)
    return test_nothing_changes, test_within_truth


for _type in sorted(METERS):
    _same, _lossy = _make(_type)
    setattr(ListerTruthTest, 'test_%s_all_notified_changes_nothing' % _type,
            _same)
    setattr(ListerTruthTest, 'test_%s_lossy_within_truth' % _type, _lossy)
del _type, _same, _lossy
