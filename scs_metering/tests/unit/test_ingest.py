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
import datetime
import decimal
import random

import sqlalchemy as sa

from scs_metering.agent import converter
from scs_metering.db.sqlalchemy import models
from scs_metering.engine import ingest
from scs_metering.engine import timeline
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import manager
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def event(eid, action, minute, state='active', flavor='m1.small',
          vm='vm1', project='p1', started=None):
    return ev.Event(id=eid, resource_type='instance', resource_id=vm,
                    action=action, time=at(minute), project_id=project,
                    user_id='u', started_at=started,
                    attributes={'state': state, 'flavor_name': flavor,
                                'flavor_id': flavor, 'vcpus': 1,
                                'memory_mb': 512, 'root_gb': 1,
                                'ephemeral_gb': 0})


class IngestTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)

    def periods(self, vm='vm1'):
        return [((p.start - T0) // datetime.timedelta(minutes=1),
                 None if p.end is None
                 else (p.end - T0) // datetime.timedelta(minutes=1),
                 p.snapshot.state)
                for p in self.connection.periods('instance', vm)]

    def test_duplicate_delivery_has_one_effect(self):
        batch = [event('a', ev.CREATE, 0), event('b', ev.UPDATE, 30,
                                                 state='paused')]
        first = self.ingestor.store(batch)
        again = self.ingestor.store(batch)
        self.assertEqual((2, 0), (first.stored, first.duplicates))
        self.assertEqual((0, 2), (again.stored, again.duplicates))
        self.assertEqual(2, self.connection.count('Event'))
        self.assertEqual([(0, 30, 'active'), (30, None, 'paused')],
                         self.periods())

    def test_delete_before_create(self):
        self.ingestor.store([event('z', ev.DELETE, 45, state='deleted')])
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.assertEqual([(0, 45, 'active')], self.periods())

    def test_late_event_refolds_from_history(self):
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.ingestor.store([event('c', ev.UPDATE, 60, flavor='m1.large')])
        result = self.ingestor.store([event('b', ev.UPDATE, 30,
                                            state='paused')])
        self.assertEqual(1, result.refolded)
        self.assertEqual([(0, 30, 'active'), (30, 60, 'paused'),
                          (60, None, 'active')], self.periods())

    def test_a_key_stored_before_provenance_weights_refolds(self):
        self.ingestor.store([event('a', ev.CREATE, 0),
                             event('m', ev.UPDATE, 30, state='paused')])
        with self.connection._writer() as session:
            session.execute(sa.update(models.Resource).values(
                last_event_key='1:m'))
        # Same time and rank as the last event: it cannot tell which
        # comes first, so it refolds.
        result = self.ingestor.store([event('z', ev.UPDATE, 30,
                                            state='suspended')])
        self.assertEqual(1, result.refolded)
        self.assertEqual([(0, 30, 'active'), (30, None, 'suspended')],
                         self.periods())
        later = self.ingestor.store([event('y', ev.UPDATE, 40)])
        self.assertEqual(0, later.refolded)

    def test_quarantine_is_stored(self):
        self.ingestor.store([], [ev.Quarantined(reason='bad', raw='{}',
                                                service='nova')])
        [entry] = self.connection.quarantined()
        self.assertEqual(('nova', 'bad', '{}'),
                         (entry['service'], entry['reason'], entry['raw']))

    def test_a_redelivered_bad_message_is_quarantined_once(self):
        bad = ev.Quarantined(reason='missing field uuid', raw='{"x": 1}',
                             service='nova')
        other = ev.Quarantined(reason='missing field uuid', raw='{"x": 1}',
                               service='cinder')
        self.assertEqual(2, self.ingestor.store([], [bad, other,
                                                     bad]).quarantined)
        self.assertEqual(0, self.ingestor.store([], [bad]).quarantined)
        self.assertEqual(2, self.connection.count('Quarantine'))

    def test_batches_in_any_order_give_the_same_periods(self):
        rng = random.Random(3)
        evs = [event('e%02d' % i, rng.choice([ev.UPDATE, ev.EXISTS]),
                     rng.randrange(0, 300), vm='vm%d' % (i % 3),
                     state=rng.choice(['active', 'paused']))
               for i in range(40)]
        evs += [event('c%d' % i, ev.CREATE, 0, vm='vm%d' % i)
                for i in range(3)]
        evs += [event('d%d' % i, ev.DELETE, 250 + i, vm='vm%d' % i,
                      state='deleted') for i in range(3)]
        expected = {}
        for i in range(3):
            vm = 'vm%d' % i
            mine = [e for e in evs if e.resource_id == vm]
            expected[vm] = [(p.start, p.end, p.snapshot) for p in
                            timeline.periods_of(*timeline.fold(mine))]
        rng.shuffle(evs)
        for i in range(0, len(evs), 5):
            self.ingestor.store(evs[i:i + 5])
        for vm, periods in expected.items():
            self.assertEqual(periods, [
                (p.start, p.end, p.snapshot)
                for p in self.connection.periods('instance', vm)])


class WindowTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)
        self.definitions = self.definitions()
        self.closer = windows.WindowCloser(self.connection, self.definitions)
        manager.put(self.connection, {
            'name': 'f', 'driver': 'file', 'filters': {'kinds': ['usage']},
            'url': 'file://%s/usage.jsonl' % self.tempdir})

    def records(self):
        return {(r.window_start.hour, dict(r.attributes)['state'],
                 r.revision): r.quantity
                for r in self.connection.current_records()}

    def test_windows_close_into_exact_seconds(self):
        self.ingestor.store([event('a', ev.CREATE, 10),
                             event('b', ev.UPDATE, 75, state='paused'),
                             event('z', ev.DELETE, 130, state='deleted')])
        self.closer.run(until=at(180))
        self.assertEqual({(8, 'active', 1): decimal.Decimal(3000),
                          (9, 'active', 1): decimal.Decimal(900),
                          (9, 'paused', 1): decimal.Decimal(2700),
                          (10, 'paused', 1): decimal.Decimal(600)},
                         self.records())
        self.assertEqual(4, self.connection.count('Outbox'))

    def test_late_event_is_a_correction_not_an_edit(self):
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.closer.run(until=at(120))
        self.assertEqual({(8, 'active', 1): decimal.Decimal(3600),
                          (9, 'active', 1): decimal.Decimal(3600)},
                         self.records())
        # A pause at 08:30 arrives after both windows were closed.
        self.ingestor.store([event('b', ev.UPDATE, 30, state='paused')])
        self.closer.run(until=at(120))
        self.assertEqual({(8, 'active', 2): decimal.Decimal(1800),
                          (8, 'paused', 1): decimal.Decimal(1800),
                          (9, 'active', 2): decimal.Decimal(0),
                          (9, 'paused', 1): decimal.Decimal(3600)},
                         self.records())
        # Both revisions of the 08:00 active record are kept.
        revisions = [r for r in self.connection.record_revisions(
            [(r.id, 1) for r in self.connection.current_records()
             if r.revision == 2]).values()]
        self.assertEqual([decimal.Decimal(3600)] * 2,
                         [r.quantity for r in revisions])
        # Two first deliveries, then the four revisions.
        self.assertEqual(6, self.connection.count('Outbox'))

    def test_closing_twice_writes_nothing_more(self):
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.assertEqual(2, self.closer.run(until=at(120)))
        self.assertEqual(0, self.closer.run(until=at(120)))

    def test_unbillable_states_give_no_usage(self):
        self.ingestor.store([
            event('a', ev.CREATE, 0),
            event('b', ev.UPDATE, 30, state='shelved_offloaded'),
        ])
        self.closer.run(until=at(120))
        self.assertEqual({(8, 'active', 1): decimal.Decimal(1800)},
                         self.records())


class MeteringStartTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection,
                                           self.definitions(),
                                           start=at(90))

    def test_no_window_before_the_start_is_closed_or_corrected(self):
        # A server launched long before metering began.
        self.ingestor.store([event('a', ev.CREATE, -60 * 24 * 365)])
        self.closer.run(until=at(240))
        hours = sorted(r.window_start.hour
                       for r in self.connection.current_records())
        self.assertEqual([10, 11], hours)
        # A late pause before the start corrects nothing before it.
        self.ingestor.store([event('b', ev.UPDATE, 30, state='paused'),
                             event('c', ev.UPDATE, 150)])
        self.closer.run(until=at(240))
        records = {(r.window_start.hour, r.attributes['state'],
                    r.revision): r.quantity
                   for r in self.connection.current_records()}
        self.assertEqual({(10, 'paused', 1): decimal.Decimal(1800),
                          (10, 'active', 2): decimal.Decimal(1800),
                          (11, 'active', 1): decimal.Decimal(3600)},
                         records)

    def test_stop_ends_a_long_backlog(self):
        self.closer = windows.WindowCloser(self.connection,
                                           self.definitions(),
                                           batch_windows=1)
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.closer.stop()
        self.assertEqual(0, self.closer.run(until=at(600)))


class DeleteOnlyLifeTest(base.DBTestCase):
    """A server whose every notification but the delete was lost."""

    def test_its_life_is_billed_from_launch_to_delete(self):
        message = fx.on_the_wire(fx.nova('instance-delete-end', {
            'launched_at': '2026-11-02T08:00:00Z',
            'deleted_at': '2026-11-02T09:30:00Z',
            'terminated_at': '2026-11-02T09:30:00Z'}))
        outcome = converter.Converter(self.definitions()).convert(
            'nova', message)
        ingest.Ingestor(self.connection).store(outcome.events)
        windows.WindowCloser(self.connection, self.definitions()).run(
            until=at(120))
        self.assertEqual(
            [(8, decimal.Decimal(3600)), (9, decimal.Decimal(1800))],
            [(r.window_start.hour, r.quantity)
             for r in self.connection.current_records()
             if r.meter == 'instance'])
