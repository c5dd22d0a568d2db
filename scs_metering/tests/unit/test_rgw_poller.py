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
"""The RGW poller against the simulated cloud's Keystone and RGW.

Both answer over HTTP in the real formats (tests/simulator/rgw.py), so
the admin ops client, its signing and its paging run as in production;
the functional tests do the same against a real radosgw.
"""

import collections
import datetime
import random

import fixtures

from scs_metering.conf import reconciliation as conf_reconciliation
from scs_metering.conf import rgw as conf_rgw
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.reconcile import client
from scs_metering.reconcile.listers import rgw_tenants
from scs_metering.reconcile.listers import rgw_usage
from scs_metering.reconcile import runner
from scs_metering.tests import base
from scs_metering.tests.simulator import rgw as sim_rgw
from scs_metering.tests.simulator import simulation

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
IN, OUT = rgw_usage.RECEIVED, rgw_usage.SENT
REQUESTS = rgw_usage.REQUESTS


class RGWTestCase(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.sim = simulation.Simulation(T0, 'memory://', seed=3)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.sim.configure(self.conf)
        self.rgw = sim_rgw.SimulatedRGW().start()
        self.addCleanup(self.rgw.stop)
        self.rgw.configure(self.conf)
        self.addCleanup(self.conf.clear_override, 'endpoint', 'rgw')
        for name in ('admin_entry', 'access_key', 'secret_key', 'timeout'):
            self.addCleanup(self.conf.clear_override, name, 'rgw')
        self.config('rgw', ignored_users=['scs-metering-admin'])
        self.clock = self.sim.clock
        self.projects = self.sim.cloud.projects
        self.definitions_ = self.definitions()

    def at(self, minutes):
        return T0 + minutes * MINUTE

    def to(self, minutes):
        """Move the clock to T0 plus minutes."""
        return self.clock.advance(
            (self.at(minutes) - self.clock.now()).total_seconds())

    def poll(self):
        cloud = client.Cloud(self.conf)
        self.addCleanup(cloud.close)
        return runner.Reconciler(
            self.conf, self.connection, cloud, self.definitions_,
            host='test', clock=self.clock.now).run('rgw_project')

    def records(self, meter, until):
        """{(project, window start, group): quantity} once closed."""
        windows.WindowCloser(self.connection, self.definitions_).run(
            now=until)
        return {(r.project_id, r.window_start,
                 tuple(sorted(r.attributes.items()))): r.quantity
                for r in self.connection.current_records(meter=meter)}


class TrafficTest(RGWTestCase):

    def setUp(self):
        super().setUp()
        p0, p1 = self.projects[:2]
        self.users = ('%s$%s' % (p0, p0), p1)
        self.rgw.put(self.users[0], 'photos', 1000, self.at(10))
        self.rgw.get(self.users[0], 'photos', 600, self.at(20))
        self.rgw.get(self.users[0], 'photos', 600, self.at(21))
        self.rgw.put(self.users[1], 'backups', 300, self.at(25))

    def expected_bytes(self):
        p0, p1 = self.projects[:2]
        return ({(p0, T0, ()): 1000, (p1, T0, ()): 300},
                {(p0, T0, ()): 1200})

    def test_an_hour_is_metered_once_closed_and_settled(self):
        self.to(30)
        self.assertEqual('success', self.poll().status)
        self.to(62)  # closed, not settled: radosgw may still flush it
        self.poll()
        self.assertEqual({}, self.records(IN, self.at(180)))
        self.to(66)
        report = self.poll()
        self.assertEqual('success', report.status, report.error)
        received, sent = self.expected_bytes()
        self.assertEqual(received, self.records(IN, self.at(180)))
        self.assertEqual(sent, self.records(OUT, self.at(180)))
        p0, p1 = self.projects[:2]
        self.assertEqual({
            (p0, T0, (('category', 'put_obj'),)): 1,
            (p0, T0, (('category', 'get_obj'),)): 2,
            (p1, T0, (('category', 'put_obj'),)): 1},
            self.records(REQUESTS, self.at(180)))

    def test_a_repeated_poll_meters_nothing_twice(self):
        self.to(30)
        self.poll()
        self.to(70)
        self.poll()
        events = self.connection.count('Event')
        # Traffic in the next hour, and a poll after it, re-reading no
        # entry of the first.
        self.rgw.get(self.users[1], 'backups', 300, self.at(75))
        for minute in (80, 90, 130):
            self.to(minute)
            self.assertEqual('success', self.poll().status)
        p1 = self.projects[1]
        received, sent = self.expected_bytes()
        sent[p1, T0 + HOUR, ()] = 300
        self.assertEqual(received, self.records(IN, self.at(300)))
        self.assertEqual(sent, self.records(OUT, self.at(300)))
        # Samples of the new hour and of the gauges only.
        self.assertLess(events, self.connection.count('Event'))
        asked = [q['start'] for m, r, q in self.rgw.requests
                 if r == 'usage']
        self.assertEqual(['2026-03-02 08:00:00', '2026-03-02 09:00:00'],
                         asked)

    def test_an_interrupted_poll_meters_nothing_twice(self):
        self.to(30)
        self.poll()
        self.useFixture(fixtures.MockPatchObject(rgw_usage, 'FLUSH', 2))
        real = ingest.Ingestor.store
        calls = []

        def crash_on_second(ingestor, batch, quarantined=()):
            calls.append(len(batch))
            if len(calls) == 2:
                raise RuntimeError('killed half-way')
            return real(ingestor, batch, quarantined)
        self.to(70)
        with fixtures.MockPatchObject(ingest.Ingestor, 'store',
                                      crash_on_second):
            report = self.poll()
        self.assertEqual('failed', report.status)
        self.assertIn('killed half-way', report.error)
        # The hour's mark did not move: the next poll reads it again.
        self.assertEqual(T0, self.connection.poll_marks(
            rgw_usage.POLLER)[rgw_usage.WHOLE_LOG])
        self.to(75)
        self.assertEqual('success', self.poll().status)
        received, sent = self.expected_bytes()
        self.assertEqual(received, self.records(IN, self.at(180)))
        self.assertEqual(sent, self.records(OUT, self.at(180)))

    def test_overlapping_polls_meter_nothing_twice(self):
        self.to(30)
        self.poll()
        self.to(70)
        stale = self.connection.poll_marks(rgw_usage.POLLER)
        self.poll()
        events = self.connection.count('Event')
        # A poll that read the marks before the first raised them.
        with fixtures.MockPatchObject(
                type(self.connection), 'poll_marks',
                lambda connection, poller: dict(stale)):
            self.poll()
        received, sent = self.expected_bytes()
        self.assertEqual(received, self.records(IN, self.at(180)))
        # Nothing new: its gauge samples have the same time, too.
        self.assertEqual(events, self.connection.count('Event'))
        self.assertEqual(T0 + HOUR, self.connection.poll_marks(
            rgw_usage.POLLER)[rgw_usage.WHOLE_LOG])

    def test_catching_up_after_an_outage_in_bounded_polls(self):
        self.config('rgw', max_hours_per_poll=2)
        self.to(30)
        self.poll()
        self.rgw.put(self.users[1], 'backups', 7, self.at(130))
        self.rgw.fail('usage', 500)
        self.to(200)
        report = self.poll()
        self.assertEqual('failed', report.status)
        self.assertIn('GET /usage: HTTP 500', report.error)
        self.rgw.heal()
        self.poll()
        marks = self.connection.poll_marks(rgw_usage.POLLER)
        self.assertEqual(T0 + 2 * HOUR, marks[rgw_usage.WHOLE_LOG])
        self.assertEqual(T0 + HOUR, marks['%s/photos' % self.users[0]])
        self.poll()
        p1 = self.projects[1]
        received, _sent = self.expected_bytes()
        received[p1, T0 + 2 * HOUR, ()] = 7
        self.assertEqual(received, self.records(IN, self.at(400)))

    def test_first_poll_starts_with_its_own_hour(self):
        self.to(90)
        self.poll()
        self.to(130)
        self.poll()
        self.assertEqual({}, self.records(IN, self.at(300)))
        self.assertEqual(T0 + 2 * HOUR, self.connection.poll_marks(
            rgw_usage.POLLER)[rgw_usage.WHOLE_LOG])

    def test_first_poll_lookback(self):
        self.config('rgw', first_poll_lookback=7200)
        self.to(90)
        self.poll()
        received, _sent = self.expected_bytes()
        self.assertEqual(received, self.records(IN, self.at(300)))

    def test_trimming_is_off_unless_configured(self):
        self.to(30)
        self.poll()
        self.to(70)
        self.poll()
        self.assertEqual([], self.rgw.trimmed)
        self.config('rgw', trim_usage=True)
        self.rgw.get(self.users[1], 'backups', 1, self.at(75))
        self.to(130)
        self.poll()
        self.assertEqual([(0, int((T0 + 2 * HOUR).timestamp()))],
                         self.rgw.trimmed)


class ProjectsTest(RGWTestCase):

    def test_users_map_to_projects_or_are_parked(self):
        p0, p1, p2 = self.projects[:3]
        self.to(30)
        self.poll()
        self.rgw.put('%s$%s' % (p0, p0), 'a', 10, self.at(40))
        self.rgw.put(p1, 'b', 20, self.at(40))
        self.rgw.put('%s$backup' % p2, 'c', 30, self.at(40))
        self.rgw.put('stranger', 'd', 40, self.at(40))
        self.rgw.put('scs-metering-admin', 'e', 50, self.at(40))
        self.to(70)
        report = self.poll()
        self.assertEqual('success', report.status)
        # stranger, in the stats and in the log
        self.assertEqual(2, report.errors)
        self.assertEqual({(p0, T0, ()): 10, (p1, T0, ()): 20,
                          (p2, T0, ()): 30}, self.records(IN, self.at(180)))
        [parked] = self.connection.quarantined()
        self.assertEqual('radosgw', parked['service'])
        self.assertIn("'stranger'", parked['reason'])
        self.assertIn('"bytes_received": 40', parked['raw'])

    def test_explicit_mapping(self):
        self.config('rgw', tenant_mapping=conf_rgw.EXPLICIT,
                    project_map={'backup-svc': self.projects[3]},
                    check_projects=False)
        projects = rgw_tenants.Projects(self.conf.rgw)
        self.assertEqual(self.projects[3], projects.of('backup-svc'))
        self.assertRaises(rgw_tenants.Unmapped, projects.of, 'p$p')

    def test_implicit_forms_without_keystone(self):
        self.config('rgw', check_projects=False)
        projects = rgw_tenants.Projects(self.conf.rgw)
        self.assertEqual('p', projects.of('p$p'))
        self.assertEqual('p', projects.of('p$someone'))
        self.assertEqual('q', projects.of('q'))
        self.assertRaises(rgw_tenants.Unmapped, projects.of, '')


class StoredTest(RGWTestCase):

    def test_stored_bytes_and_objects_per_project(self):
        p0, p1 = self.projects[:2]
        self.rgw.put('%s$%s' % (p0, p0), 'a', 1000, self.at(1))
        self.rgw.put('%s$%s' % (p0, p0), 'b', 500, self.at(1))
        self.rgw.put('%s$tool' % p0, 'c', 11, self.at(1))
        self.rgw.put(p1, 'd', 300, self.at(1))
        for minute in (0, 30, 60):
            self.to(minute)
            self.assertEqual('success', self.poll().status)
        self.assertEqual({(p0, T0, ()): 1511 * 3600,
                          (p1, T0, ()): 300 * 3600},
                         self.records('radosgw.objects.size', self.at(60)))
        self.assertEqual({(p0, T0, ()): 3 * 3600, (p1, T0, ()): 3600},
                         self.records('radosgw.objects', self.at(60)))

    def test_rgw_errors_fail_the_run(self):
        p0, p1 = self.projects[:2]
        self.rgw.put(p0, 'a', 1000, self.at(1))
        self.rgw.put(p1, 'b', 7, self.at(1))
        self.rgw.fail('bucket', 500, times=1)
        report = self.poll()
        self.assertEqual('failed', report.status)
        self.assertIn('GET /bucket', report.error)

    def test_missing_options_are_a_clear_error(self):
        self.config('rgw', endpoint=None)
        report = self.poll()
        self.assertEqual('failed', report.status)
        self.assertIn('[rgw] endpoint', report.error)


class FaultsTest(RGWTestCase):
    """Half a day of traffic while RGW fails now and then (seeded)."""

    def test_every_byte_is_metered_once_through_faults(self):
        rng = random.Random(19)
        users = {'%s$%s' % (p, p): p for p in self.projects[:3]}
        truth = collections.Counter()
        self.to(0)
        self.poll()
        failed = 0
        for minute in range(30, 12 * 60 + 1, 30):
            for uid, project in sorted(users.items()):
                size = rng.randint(1, 5000)
                when = self.at(minute - 1)
                self.rgw.put(uid, 'b-%d' % rng.randint(1, 2), size, when)
                truth[project, T0 + (minute - 1) // 60 * HOUR, ()] += size
            resource = rng.choice(['usage', 'bucket', 'user', None, None])
            if resource:
                self.rgw.fail(resource, 500, times=1)
            self.to(minute)
            failed += self.poll().status == 'failed'
            self.rgw.heal()
        self.assertGreater(failed, 3)
        self.to(14 * 60)
        self.assertEqual('success', self.poll().status)
        self.assertEqual(dict(truth), self.records(IN, self.at(15 * 60)))


class OptionsTest(base.DBTestCase):

    def test_poll_interval(self):
        self.assertEqual(900, conf_reconciliation.interval(
            self.conf, 'rgw_project'))
        self.config('reconciliation', intervals={'rgw_project': '60'})
        self.assertEqual(60, conf_reconciliation.interval(
            self.conf, 'rgw_project'))

    def test_status_shows_the_last_successful_poll(self):
        self.rgw_runs = []
        for minute, status in ((0, 'success'), (15, 'failed')):
            report = runner.Report('rgw_project', T0 + minute * MINUTE)
            run_id = self.connection.start_run('rgw_project', 'test',
                                               report.started_at)
            report.status = status
            report.finished_at = report.started_at + MINUTE
            self.connection.finish_run(run_id, report)
        [run] = self.connection.last_reconciliations()
        self.assertEqual(('failed', T0 + 15 * MINUTE, T0), (
            run['status'], run['started_at'], run['last_success_at']))

    def test_long_names_have_short_marks(self):
        key = rgw_usage.mark_key('u' * 300, 'b' * 300)
        self.assertEqual(71, len(key))
        self.connection.raise_poll_marks('p', {key: T0})
        self.assertEqual('a/b', rgw_usage.mark_key('a', 'b'))

    def test_marks_only_move_forward(self):
        self.connection.raise_poll_marks('p', {'a': T0 + HOUR, 'b': T0})
        self.connection.raise_poll_marks('p', {'a': T0, 'b': T0 + HOUR,
                                               'c': T0})
        self.assertEqual({'a': T0 + HOUR, 'b': T0 + HOUR, 'c': T0},
                         self.connection.poll_marks('p'))
        self.assertEqual({}, self.connection.poll_marks('q'))
