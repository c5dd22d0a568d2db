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
"""First-hand evidence is never moved by what an API shows (issue 20).

A volume's create.end dates its start; cinder's created_at, stamped on
the request, only bounds it. Reconciliation keeps the notified start,
bills a volume whose create it missed from the first listing that saw
it, and gives way to the create notification if it comes late.
"""

from scs_metering import events as ev
from scs_metering.tests.unit import test_reconcile

VOLUME = {'state': 'available', 'size': 20,
          'volume_type': '5fed9d7c-401d-46e2-8e80-f30c70cb7e1d'}


class FirstHandTest(test_reconcile.ReconcileTestCase):

    def volume(self, notify=True, build=54):
        resource = self.cloud.create('volume', self.cloud.projects[0],
                                     VOLUME, build=build)
        if notify:
            self.notified_volume(resource)
        return resource

    def notified_volume(self, resource):
        self.ingestor.store([ev.Event(
            id=ev.stable_id('test', resource.resource_id, 'create'),
            resource_type='volume', resource_id=resource.resource_id,
            action=ev.CREATE, time=resource.launched_at,
            project_id=resource.project_id, user_id=resource.user_id,
            started_at=resource.launched_at,
            attributes={'size': 20, 'volume_type': VOLUME['volume_type']})])

    def test_a_notified_volume_is_matched_and_keeps_its_start(self):
        # Found by issue 20: a create at created_at, 54 s before the
        # create.end, and the run counted a missed create.
        vol = self.volume()
        self.later(30)
        report = self.reconciler().run('volume')
        self.assertEqual((1, 1, 0), (report.listed, report.matched,
                                     report.missed_creates))
        [period] = self.periods(vol, 'volume')
        self.assertEqual((vol.launched_at, ev.NOTIFICATION),
                         (period.start, period.provenance))

    def test_a_missed_volume_is_billed_from_the_first_listing(self):
        vol = self.volume(notify=False)
        self.later(30)
        report = self.reconciler().run('volume')
        self.assertEqual(1, report.missed_creates)
        [period] = self.periods(vol, 'volume')
        # Never before a time anyone saw it available; created_at, the
        # request, is only the lower bound.
        self.assertEqual(report.started_at, period.start)
        self.assertEqual((vol.created_at, report.started_at),
                         (period.start_min, period.start_max))
        self.assertEqual(ev.RECONCILIATION, period.provenance)

    def test_a_late_create_notification_replaces_the_inferred_start(self):
        vol = self.volume(notify=False)
        self.later(30)
        self.reconciler().run('volume')
        self.notified_volume(vol)
        [period] = self.periods(vol, 'volume')
        self.assertEqual((vol.launched_at, ev.NOTIFICATION),
                         (period.start, period.provenance))

    def test_a_known_server_deleted_is_no_missed_create(self):
        # Issue 20, finding 2: known from a later notification, then
        # deleted, and still logged and counted as a missed create.
        reconciler = self.reconciler()
        reconciler.run('instance')
        vm = self.server(build=20, notify=False)
        self.later(10)
        self.cloud.update(vm, relaunch=True, **dict(
            test_reconcile.SMALL, state='resized'))
        self.notified(vm, ev.UPDATE, vm.updated_at)
        self.later(10)
        self.cloud.delete(vm)
        self.notified(vm, ev.DELETE, vm.deleted_at)
        self.later(10)
        periods = self.periods(vm)
        report = reconciler.run('instance')
        self.assertEqual((0, 0), (report.missed_creates,
                                  report.missed_deletes))
        self.assertEqual(periods, self.periods(vm))

    def test_a_late_delete_notification_replaces_the_inferred_end(self):
        vol = self.volume()
        self.volume()  # an empty listing would be refused
        self.later(30)
        reconciler = self.reconciler()
        reconciler.run('volume')
        self.later(20)
        self.cloud.delete(vol)
        self.cloud.resources['volume'].pop(vol.resource_id)
        self.later(40)
        self.assertEqual(1, reconciler.run('volume').missed_deletes)
        # The volume.delete.end was only late: it dates the end.
        self.ingestor.store([ev.Event(
            id=ev.stable_id('test', vol.resource_id, 'delete'),
            resource_type='volume', resource_id=vol.resource_id,
            action=ev.DELETE, time=vol.deleted_at,
            project_id=vol.project_id, user_id=vol.user_id,
            attributes={'size': 20, 'volume_type': VOLUME['volume_type']})])
        [period] = self.periods(vol, 'volume')
        self.assertEqual((vol.deleted_at, None, None), (
            period.end, period.end_min, period.end_max))
