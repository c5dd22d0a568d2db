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
"""Lifecycle records written by ingest, with their outbox entries."""

import datetime
import random

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering import events as ev
from scs_metering.tests import base
from scs_metering.tests import push

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
MINUTE = push.MINUTE


def at(minutes):
    return T0 + minutes * MINUTE


class LifecycleTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.store = push.Store(self, self.connection)
        self.sink = self.store.sink(driver='file',
                                    url='file://%s/usage.jsonl'
                                    % self.tempdir,
                                    filters={'kinds': ['lifecycle']})

    def facts(self, current_only=True):
        found = self.connection.lifecycle_records('instance')
        if current_only:
            latest = {}
            for record in found:
                latest[record.id] = record
            found = [r for r in latest.values() if not r.voided]
        return sorted((r.kind, (r.time - T0) // MINUTE,
                       r.attributes.get('state'), r.revision)
                      for r in found)

    def test_start_change_and_end_are_known_at_ingest(self):
        self.store.ingest([push.instance_event('c', ev.CREATE, at(0))])
        self.assertEqual([('started', 0, 'active', 1)], self.facts())
        self.store.ingest([push.instance_event('p', ev.UPDATE, at(30),
                                               state='paused')])
        self.store.ingest([push.instance_event('d', ev.DELETE, at(150),
                                               state='deleted')])
        self.assertEqual([('changed', 30, 'paused', 1),
                          ('ended', 150, 'paused', 1),
                          ('started', 0, 'active', 1)], self.facts())
        # Each stored revision has its outbox entry.
        status = self.connection.sink_status(self.sink['id'])
        self.assertEqual(3, status['backlog'])

    def test_ids_are_stable(self):
        self.store.ingest([push.instance_event('c', ev.CREATE, at(0))])
        record = self.connection.lifecycle_records()[0]
        self.assertEqual(ev.stable_id('lifecycle', 'instance', 'vm1',
                                      timeutils.isoformat(at(0)),
                                      models.STARTED), record.id)

    def test_duplicates_write_nothing(self):
        events = push.vm_lives(T0, 1)
        self.store.ingest(events)
        self.store.ingest(events)
        self.assertEqual(3, len(self.connection.lifecycle_records()))
        self.assertEqual(3, self.connection.sink_status(
            self.sink['id'])['backlog'])

    def test_a_late_event_corrects_with_new_revisions(self):
        self.store.ingest(push.vm_lives(T0, 1, prefix='vm1'))
        # vm10 is the resource id; a pause at 08:20 arrives late.
        self.store.ingest([push.instance_event(
            'late', ev.UPDATE, at(20), vm='vm10', state='paused')])
        found = [(r.kind, (r.time - T0) // MINUTE, r.revision, r.replaces,
                  r.voided)
                 for r in self.connection.lifecycle_records('instance')]
        self.assertEqual([('started', 0, 1, None, False),
                          ('changed', 20, 1, None, False),
                          ('changed', 30, 1, None, False),
                          ('changed', 30, 2, 1, True),
                          ('ended', 150, 1, None, False)], found)
        # The withdrawal is pushed too: four revisions, four entries.
        self.assertEqual(5, self.connection.sink_status(
            self.sink['id'])['backlog'])

    def test_arrival_order_does_not_change_the_facts(self):
        events = push.vm_lives(T0, 1) + [
            push.instance_event('r', ev.UPDATE, at(60), vm='vm0',
                                flavor='m1.large', state='paused')]
        self.store.ingest(events)
        expected = [f[:3] for f in self.facts()]
        for seed in range(3):
            shuffled = list(events)
            random.Random(seed).shuffle(shuffled)
            vm = 'x%d' % seed
            for event in shuffled:
                self.store.ingest([push.instance_event(
                    event.id + vm, event.action, event.time, vm=vm,
                    state=event.attributes['state'],
                    flavor=event.attributes['flavor_name'])])
            self.assertEqual(expected, sorted(
                (r.kind, (r.time - T0) // MINUTE, r.attributes['state'])
                for r in self.latest(vm)))

    def latest(self, vm):
        latest = {}
        for record in self.connection.lifecycle_records('instance', vm):
            latest[record.id] = record
        return [r for r in latest.values() if not r.voided]
