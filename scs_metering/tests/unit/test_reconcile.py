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
"""Reconciliation runs against the simulated cloud's real HTTP APIs.

The simulated cloud serves its listings on loopback; the reconciler
reaches it through keystoneauth like a real cloud and stores what it
finds through the Ingestor into a migrated SQLite database.
"""

import datetime

from scs_metering.common import timeutils
from scs_metering.conf import reconciliation as conf_reconciliation
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.reconcile import client
from scs_metering.reconcile.listers import base as lister_base
from scs_metering.reconcile import runner
from scs_metering.tests import base
from scs_metering.tests.simulator import api as sim_api
from scs_metering.tests.simulator import simulation
from scs_metering.tests.simulator import workload

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
MINUTE = datetime.timedelta(minutes=1)
TINY = dict(workload.FLAVORS[0], state='active')
SMALL = dict(workload.FLAVORS[1], state='active')
GAUGE = """
meters:
  storage.objects.size:
    resource_type: swift_account
    kind: gauge
    unit: B
    window: 3600
    hold: 7200
"""


class ReconcileTestCase(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.sim = simulation.Simulation(T0, 'memory://', seed=3)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.sim.configure(self.conf)
        self.config('reconciliation', page_size=2)
        self.clock = self.sim.clock
        self.cloud = self.sim.cloud
        self.definitions_ = self.definitions(self.write_file(
            'gauge.yaml', GAUGE))
        self.ingestor = ingest.Ingestor(self.connection)

    def reconciler(self):
        cloud = client.Cloud(self.conf)
        self.addCleanup(cloud.close)
        return runner.Reconciler(
            self.conf, self.connection, cloud, self.definitions_,
            host='test', clock=self.clock.now)

    def later(self, minutes):
        return self.clock.advance(minutes * 60)

    def server(self, attributes=TINY, build=0, notify=True):
        resource = self.cloud.create('instance', self.cloud.projects[0],
                                     attributes, build=build)
        if notify:
            self.notified(resource, ev.CREATE, resource.launched_at)
        return resource

    def notified(self, resource, action, when):
        """What the engine would have from the notification of a change."""
        attributes = {k: v for k, v in resource.attributes.items()
                      if k in TINY}
        if action == ev.DELETE:
            attributes['state'] = 'deleted'
        self.ingestor.store([ev.Event(
            id=ev.stable_id('test', resource.resource_id, action, when),
            resource_type=resource.resource_type,
            resource_id=resource.resource_id, action=action, time=when,
            project_id=resource.project_id, user_id=resource.user_id,
            started_at=resource.launched_at, attributes=attributes)])

    def periods(self, resource, resource_type='instance'):
        return self.connection.periods(resource_type, resource.resource_id)


class MissedFactsTest(ReconcileTestCase):

    def test_missed_create_starts_at_launch_with_its_bounds(self):
        vm = self.server(build=30, notify=False)
        self.later(90)
        report = self.reconciler().run('instance')
        self.assertEqual(('success', 1, 1, 0), (
            report.status, report.listed, report.missed_creates,
            report.matched))
        [period] = self.periods(vm)
        self.assertEqual(vm.launched_at, period.start)
        self.assertEqual(ev.RECONCILIATION, period.provenance)
        # Between its creation request and its launch.
        self.assertEqual((vm.created_at, vm.launched_at),
                         (period.start_min, period.start_max))
        self.assertIsNone(period.end)
        self.assertEqual('1', dict(period.snapshot.attributes)['flavor_id'])

    def test_a_second_run_of_the_same_listing_changes_nothing(self):
        self.server(notify=False)
        self.later(10)
        reconciler = self.reconciler()
        reconciler.run('instance')
        events = self.connection.count('Event')
        periods = self.connection.count('Period')
        report = reconciler.run('instance')
        self.assertEqual((1, 0), (report.matched, report.missed_creates))
        self.assertEqual((events, periods), (
            self.connection.count('Event'), self.connection.count('Period')))

    def test_the_same_facts_stored_again_count_once(self):
        self.server(notify=False)
        self.later(10)
        reconciler = self.reconciler()
        found = []
        original = reconciler.ingestor.store
        reconciler.ingestor.store = lambda b: found.extend(b) or original(b)
        reconciler.run('instance')
        # Stored again, as after a crash between the store and the report.
        result = self.ingestor.store(found)
        self.assertEqual((0, 1), (result.stored, result.duplicates))

    def test_missed_delete_is_billed_to_last_seen_within_bounds(self):
        vm = self.server()
        self.server()  # an empty listing would be refused
        self.later(30)
        reconciler = self.reconciler()
        reconciler.run('instance')
        seen = self.clock.now()
        self.later(20)
        self.cloud.delete(vm)
        # Nova's deleted listing would date it: play a purged row.
        self.cloud.resources['instance'].pop(vm.resource_id)
        self.later(40)
        report = reconciler.run('instance')
        self.assertEqual(('success', 1), (report.status,
                                          report.missed_deletes))
        [period] = self.periods(vm)
        self.assertEqual(seen, period.end)
        self.assertEqual(seen, period.end_min)
        # The first listing that missed it, after the true end.
        self.assertEqual(report.started_at, period.end_max)
        self.assertGreaterEqual(period.end_max, vm.deleted_at)

    def test_no_delete_inferred_within_the_clock_margin(self):
        self.server()
        self.later(30)
        # Notified as launched two minutes ago, not (yet) in the listing:
        # a service clock behind ours, or a page fetched before it.
        young = self.server()
        self.cloud.resources['instance'].pop(young.resource_id)
        self.notified(young, ev.CREATE, self.clock.now() - 2 * MINUTE)
        reconciler = self.reconciler()
        report = reconciler.run('instance')
        self.assertEqual(('success', 0), (report.status,
                                          report.missed_deletes))
        self.later(30)
        report = reconciler.run('instance')
        self.assertEqual(1, report.missed_deletes)

    def test_billed_end_policy_first_missing(self):
        self.config('reconciliation', billed_end='first_missing')
        vm = self.server()
        self.server()
        self.later(30)
        self.cloud.delete(vm)
        self.cloud.resources['instance'].pop(vm.resource_id)
        self.later(30)
        self.reconciler().run('instance')
        [period] = self.periods(vm)
        self.assertEqual(period.end_max, period.end)
        self.assertEqual(vm.launched_at, period.end_min)

    def test_nova_deleted_listing_gives_the_exact_end(self):
        vm = self.server()
        self.later(30)
        self.cloud.delete(vm)
        deleted = self.clock.now()
        self.later(30)
        report = self.reconciler().run('instance')
        self.assertEqual(1, report.missed_deletes)
        [period] = self.periods(vm)
        self.assertEqual((deleted, deleted, deleted),
                         (period.end, period.end_min, period.end_max))

    def test_whole_life_between_two_runs_from_the_deleted_listing(self):
        reconciler = self.reconciler()
        reconciler.run('instance')
        self.later(5)
        vm = self.server(notify=False)
        self.later(50)
        self.cloud.delete(vm)
        self.later(5)
        reconciler.run('instance')
        [period] = self.periods(vm)
        self.assertEqual((vm.launched_at, vm.deleted_at),
                         (period.start, period.end))

    def test_drift_is_dated_by_updated_at(self):
        vm = self.server()
        self.later(30)
        reconciler = self.reconciler()
        reconciler.run('instance')
        seen = self.clock.now()
        self.later(10)
        self.cloud.update(vm, relaunch=True, **SMALL)
        resized = self.clock.now()
        self.later(25)
        report = reconciler.run('instance')
        self.assertEqual(1, report.drift)
        old, new = self.periods(vm)
        self.assertEqual((resized, resized), (old.end, new.start))
        self.assertEqual((seen, resized), (new.start_min, new.start_max))
        self.assertEqual('m1.small', dict(new.snapshot.attributes)[
            'flavor_name'])
        self.assertEqual(ev.RECONCILIATION, new.provenance)

    def test_moved_between_projects(self):
        vm = self.server()
        self.later(30)
        vm.project_id = self.cloud.projects[1]
        self.cloud.update(vm)
        moved = self.clock.now()
        self.later(5)
        report = self.reconciler().run('instance')
        self.assertEqual(1, report.drift)
        old, new = self.periods(vm)
        self.assertEqual(moved, new.start)
        self.assertEqual(self.cloud.projects[1], new.snapshot.project_id)

    def test_deleted_and_recreated_under_the_same_id(self):
        vm = self.server()
        self.later(30)
        reconciler = self.reconciler()
        reconciler.run('instance')
        seen = self.clock.now()
        self.later(10)
        self.cloud.resources['instance'].pop(vm.resource_id)
        again = self.cloud.create('instance', vm.project_id, SMALL,
                                  resource_id=vm.resource_id)
        self.later(10)
        report = reconciler.run('instance')
        self.assertEqual(1, report.missed_creates)
        first, second = self.periods(vm)
        self.assertEqual(seen, first.end)
        self.assertEqual((seen, again.created_at),
                         (first.end_min, first.end_max))
        self.assertEqual(again.launched_at, second.start)

    def test_create_missed_and_relaunched_since_is_billed_from_creation(self):
        vm = self.server(build=20, notify=False)
        self.later(30)
        self.cloud.update(vm, relaunch=True, **dict(SMALL, state='resized'))
        # The resize's notification got through, with nova's moved launch.
        self.notified(vm, ev.UPDATE, vm.updated_at)
        self.later(5)
        self.reconciler().run('instance')
        first = self.periods(vm)[0]
        self.assertEqual(vm.created_at, first.start)
        self.assertEqual((vm.created_at, vm.launched_at),
                         (first.start_min, first.start_max))

    def test_a_deleted_resource_still_listed_is_a_conflict(self):
        vm = self.server()
        self.later(10)
        self.notified(vm, ev.DELETE, self.clock.now())
        self.later(10)
        report = self.reconciler().run('instance')
        self.assertEqual((1, 'success'), (report.errors, report.status))
        [period] = self.periods(vm)
        self.assertIsNotNone(period.end)


class OutageTest(ReconcileTestCase):
    """Nothing tracked is ever closed by a broken or partial listing."""

    def setUp(self):
        super().setUp()
        self.vms = [self.server() for _ in range(5)]
        self.later(30)

    def assertNothingClosed(self):
        for vm in self.vms:
            self.assertIsNone(self.periods(vm)[-1].end)

    def test_empty_listing_is_refused(self):
        self.sim.api.inject(sim_api.Fault('/servers/detail', kind='empty'))
        report = self.reconciler().run('instance')
        self.assertEqual('refused', report.status)
        self.assertIn('empty listing', report.error)
        self.assertNothingClosed()

    def test_an_empty_listing_dates_no_later_delete(self):
        # The empty listing was wrong: the bounds of a server deleted
        # after it must not end at it.
        fault = self.sim.api.inject(sim_api.Fault('/servers/detail',
                                                  kind='empty'))
        self.reconciler().run('instance')
        self.sim.api.remove(fault)
        self.later(30)
        vm = self.vms[0]
        self.cloud.delete(vm)
        self.cloud.resources['instance'].pop(vm.resource_id)
        self.later(30)
        reconciler = self.reconciler()
        found = []
        original = reconciler.ingestor.store
        reconciler.ingestor.store = lambda b: found.extend(b) or original(b)
        report = reconciler.run('instance')
        self.assertEqual(('success', 1), (report.status,
                                          report.missed_deletes))
        [delete] = [e for e in found if e.action == ev.DELETE]
        self.assertLessEqual(delete.time_min, vm.deleted_at)
        self.assertGreaterEqual(delete.time_max, vm.deleted_at)

    def test_timeout_fails_the_run(self):
        self.config('service_credentials', timeout=0.3)
        self.sim.api.inject(sim_api.Fault('/servers/detail', kind='timeout',
                                          delay=1.5, skip=1))
        report = self.reconciler().run('instance')
        self.assertEqual('failed', report.status)
        self.assertIn('compute GET', report.error)
        self.assertNothingClosed()

    def test_server_error_halfway_through_the_pages(self):
        self.sim.api.inject(sim_api.Fault('/servers/detail', status=500,
                                          skip=1))
        report = self.reconciler().run('instance')
        self.assertEqual('failed', report.status)
        self.assertIn('HTTP 500', report.error)
        self.assertEqual(2, report.listed)
        self.assertNothingClosed()

    def test_a_body_that_is_not_json(self):
        self.sim.api.inject(sim_api.Fault('/servers/detail', kind='garbage',
                                          skip=2))
        report = self.reconciler().run('instance')
        self.assertEqual('failed', report.status)
        self.assertIn('not JSON', report.error)
        self.assertNothingClosed()

    def test_more_missing_than_allowed_is_refused(self):
        self.config('reconciliation', max_missing_floor=1,
                    max_missing_fraction=0.2)
        for vm in self.vms[:3]:
            self.cloud.resources['instance'].pop(vm.resource_id)
        report = self.reconciler().run('instance')
        self.assertEqual('refused', report.status)
        self.assertIn('3 of 5', report.error)
        self.assertNothingClosed()
        # Noted missing, so that a later accepted run bounds the end.
        self.assertEqual(3, len([
            t for t in self.connection.tracked(
                'instance', [v.resource_id for v in self.vms]).values()
            if t.missing_since is not None]))

    def test_an_unreadable_item_is_counted_not_deleted(self):
        broken = self.vms[0]
        original = self.sim.api.renderer.server

        def render(resource):
            item = original(resource)
            if resource is broken:
                item['tenant_id'] = None
            return item
        self.sim.api.renderer.server = render
        report = self.reconciler().run('instance')
        self.assertEqual(('success', 1), (report.status, report.errors))
        self.assertNothingClosed()

    def test_a_failed_run_covers_no_window(self):
        self.sim.api.inject(sim_api.Fault('/servers/detail', status=500))
        self.reconciler().run('instance')
        self.config('reconciliation', resource_types=['instance'])
        settled = windows.coverage(self.conf, self.connection)
        self.assertEqual({'instance': timeutils.EPOCH}, settled())


class EveryTypeTest(ReconcileTestCase):
    """Each lister reads its service's format and follows its pages."""

    SPECS = {
        'volume': {'state': 'available', 'size': 10,
                   'volume_type': workload.VOLUME_TYPE},
        'snapshot': {'state': 'available', 'size': 10},
        'backup': {'state': 'available', 'size': 10},
        'floating_ip': {'state': 'ACTIVE', 'port_id': 'p-1',
                        'floating_network_id': 'net'},
        'router': {'state': 'ACTIVE', 'external_network_id': 'net'},
        'image': {'state': 'active', 'size': 1024,
                  'disk_format': 'qcow2'},
        'loadbalancer': {'state': 'ACTIVE', 'flavor_id': 'f-1'},
        'dns_zone': {'state': 'ACTIVE'},
    }

    def test_every_lister_lists_every_page(self):
        reconciler = self.reconciler()
        for resource_type, attributes in sorted(self.SPECS.items()):
            created = [self.cloud.create(resource_type, project, attributes)
                       for project in self.cloud.projects * 2]
            self.later(5)
            report = reconciler.run(resource_type)
            self.assertEqual(('success', 8, 8), (
                report.status, report.listed, report.missed_creates),
                resource_type)
            for resource in created:
                [period] = self.periods(resource, resource_type)
                self.assertEqual(resource.project_id,
                                 period.snapshot.project_id)
            # Listed again: everything matches the definitions' view.
            self.later(5)
            report = reconciler.run(resource_type)
            self.assertEqual((8, 0), (report.matched, report.drift),
                             resource_type)

    def test_listers_speak_the_definitions_attribute_names(self):
        definitions = self.definitions()
        reconciler = self.reconciler()
        for resource_type in conf_reconciliation.lister_names():
            lister = reconciler.lister(resource_type)
            if not isinstance(lister, lister_base.Lister):
                continue
            known = {f.name for d in definitions.events.values()
                     if d.resource_type == resource_type
                     for f in d.attributes}
            names = set(lister.attributes) | (
                {'flavor_id'} if resource_type == 'instance' else set())
            self.assertLessEqual(names, known, resource_type)

    def test_swift_account_bytes_become_gauge_samples(self):
        for project in self.cloud.projects[:3]:
            self.cloud.create('swift_account', project, {'bytes': 14},
                              resource_id=project)
        self.later(1)
        report = self.reconciler().run('swift_account')
        self.assertEqual(('success', 4, 4), (report.status, report.listed,
                                             report.matched))
        self.assertEqual(3, self.connection.count('Event'))

    def test_swift_without_a_gauge_meter_fails_clearly(self):
        self.definitions_ = self.definitions(self.write_file(
            'nogauge.yaml', 'meters: {storage.objects.size: null}\n'))
        report = self.reconciler().run('swift_account')
        self.assertEqual('failed', report.status)
        self.assertIn('gauge meter', report.error)

    def test_reports_are_stored(self):
        reconciler = self.reconciler()
        reconciler.run('instance')
        [run] = self.connection.runs()
        self.assertEqual(('instance', 'success', 'test'), (
            run['resource_type'], run['status'], run['host']))
