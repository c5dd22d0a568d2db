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
"""Corrections without SQL: voids, ends, starts and re-meters."""

import datetime
import decimal
import itertools

from scs_metering.db import models
from scs_metering.definitions import guards
from scs_metering.engine import corrections
from scs_metering.engine import ingest
from scs_metering.engine import timeline
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import manager
from scs_metering.tests import base
from scs_metering.tests.unit import test_ingest
from scs_metering.tests.unit import test_samples

T0 = test_ingest.T0
at = test_ingest.at
event = test_ingest.event


def request(kind, **fields):
    return models.Correction.request(
        kind, fields.pop('reason', 'billed in error'), 'alice', 'manage',
        datetime.datetime.now(datetime.timezone.utc), **fields)


class CorrectionTest(base.DBTestCase):
    """Each correction against SQLite; tests/functional runs the servers."""

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)
        self.corrector = corrections.Corrector(self.connection)

    def periods(self, vm='vm1'):
        return [((p.start - T0) // datetime.timedelta(minutes=1),
                 None if p.end is None
                 else (p.end - T0) // datetime.timedelta(minutes=1),
                 p.snapshot.state, dict(p.snapshot.attributes)['flavor_name'],
                 p.provenance)
                for p in self.connection.periods('instance', vm)]

    def correct(self, kind, **fields):
        correction = self.connection.add_correction(request(kind, **fields))
        return self.corrector.apply(correction)

    def life(self):
        self.ingestor.store([
            event('a', ev.CREATE, 0),
            event('b', ev.UPDATE, 30, flavor='m1.large'),
            event('z', ev.DELETE, 90, state='deleted', flavor='m1.large')])

    def test_void_withdraws_an_event(self):
        self.life()
        done = self.correct(models.VOID, event_id='b')
        self.assertEqual(models.APPLIED, done.status)
        self.assertEqual([(0, 90, 'active', 'm1.small', 'notification')],
                         self.periods())
        # The void is an event of its own; the voided one stays stored.
        stored = {e.id: e for e in self.connection.resource_events(
            'instance', 'vm1')}
        self.assertIn('b', stored)
        (void,) = [stored[i] for i in done.event_ids]
        self.assertEqual((ev.VOID, ev.CORRECTION, done.id, {ev.VOIDS: 'b'}),
                         (void.action, void.provenance, void.message_id,
                          void.attributes))

    def test_end_an_alive_resource(self):
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.correct(models.END, resource_type='instance',
                     resource_id='vm1', time=at(60))
        self.assertEqual([(0, 60, 'active', 'm1.small', 'notification')],
                         self.periods())
        self.assertEqual(at(60), self.connection.resource(
            'instance', 'vm1')['ended_at'])

    def test_end_moves_earlier_and_later(self):
        self.life()
        self.correct(models.END, resource_type='instance',
                     resource_id='vm1', time=at(45))
        self.assertEqual([(0, 30, 'active', 'm1.small', 'notification'),
                          (30, 45, 'active', 'm1.large', 'notification')],
                         self.periods())
        # A second correction of the same end: the first one's delete is
        # voided in turn.
        self.correct(models.END, resource_type='instance',
                     resource_id='vm1', time=at(120))
        self.assertEqual([(0, 30, 'active', 'm1.small', 'notification'),
                          (30, 120, 'active', 'm1.large', 'notification')],
                         self.periods())

    def test_start_moves_later_and_earlier(self):
        self.life()
        done = self.correct(models.START, resource_type='instance',
                            resource_id='vm1', time=at(40))
        # The create and the resize before 00:40 are voided; the create of
        # the correction carries the state that held at its time.
        self.assertEqual(3, len(done.event_ids))
        self.assertEqual([(40, 90, 'active', 'm1.large', 'correction')],
                         self.periods())
        self.correct(models.START, resource_type='instance',
                     resource_id='vm1', time=at(-60))
        self.assertEqual([(-60, 90, 'active', 'm1.large', 'correction')],
                         self.periods())

    def test_applying_again_stores_nothing_twice(self):
        self.life()
        correction = self.connection.add_correction(request(
            models.END, resource_type='instance', resource_id='vm1',
            time=at(45)))
        first = self.corrector.apply(correction)
        events = self.connection.count('Event')
        # As after a crash before its outcome was recorded.
        again = self.corrector.apply(correction)
        self.assertEqual(first.event_ids, again.event_ids)
        self.assertEqual(events, self.connection.count('Event'))

    def test_order_does_not_matter(self):
        """The same events and correction in any order: the same periods."""
        results = set()
        notifications = [
            event('a', ev.CREATE, 0),
            event('b', ev.UPDATE, 30, flavor='m1.large'),
            event('c', ev.UPDATE, 50, state='paused', flavor='m1.large')]
        for n, order in enumerate(itertools.permutations(range(3))):
            vm = 'vm%d' % n
            batch = [test_ingest.event('%s-%s' % (vm, e.id), e.action,
                                       (e.time - T0).seconds // 60,
                                       state=e.attributes['state'],
                                       flavor=e.attributes['flavor_name'],
                                       vm=vm) for e in notifications]
            # The void comes after the first event it can name.
            self.ingestor.store([batch[order[0]]])
            self.correct(models.END, resource_type='instance',
                         resource_id=vm, time=at(70))
            for i in order[1:]:
                self.ingestor.store([batch[i]])
            results.add(tuple(self.periods(vm)))
        self.assertEqual({((0, 30, 'active', 'm1.small', 'notification'),
                           (30, 50, 'active', 'm1.large', 'notification'),
                           (50, 70, 'paused', 'm1.large', 'notification'))},
                         results)

    def test_failures_keep_their_reason(self):
        self.life()
        cases = [
            (dict(kind=models.VOID, event_id='nope'), 'no event has id nope'),
            (dict(kind=models.END, resource_type='instance',
                  resource_id='vm1', time=at(-10)), 'has no life before'),
            (dict(kind=models.END, resource_type='instance',
                  resource_id='vm1', time=at(60 * 24 * 3650)),
             'is in the future'),
            (dict(kind=models.END, resource_type='instance',
                  resource_id='vm1', time=at(90)), 'ends at'),
            (dict(kind=models.START, resource_type='instance',
                  resource_id='other', time=at(0)),
             'has no lifecycle events'),
            (dict(kind=models.START, resource_type='instance',
                  resource_id='vm1', time=at(100)), 'has no life after'),
        ]
        for fields, reason in cases:
            done = self.correct(fields.pop('kind'), **fields)
            self.assertEqual(models.FAILED, done.status)
            self.assertIn(reason, done.error)
        self.assertEqual(
            [(0, 30, 'active', 'm1.small', 'notification'),
             (30, 90, 'active', 'm1.large', 'notification')],
            self.periods())

    def test_guarded_in_time_as_notifications_are(self):
        self.life()
        self.corrector.guard = guards.EventGuard(
            self.definitions(), metering_start=at(-60), clock_skew=600,
            max_windows=10000)
        done = self.correct(models.START, resource_type='instance',
                            resource_id='vm1', time=at(-120))
        self.assertEqual(models.FAILED, done.status)
        self.assertIn('before the earliest time metered', done.error)
        self.assertEqual(models.APPLIED, self.correct(
            models.START, resource_type='instance', resource_id='vm1',
            time=at(-30)).status)

    def test_void_of_a_void_or_twice_is_refused(self):
        self.life()
        done = self.correct(models.VOID, event_id='b')
        again = self.correct(models.VOID, event_id='b')
        self.assertIn('voided already', again.error)
        void = self.correct(models.VOID, event_id=done.event_ids[0])
        self.assertIn('is a void itself', void.error)

    def test_requests_are_validated(self):
        for kind, fields, message in (
                ('fix', {}, 'unknown correction'),
                (models.VOID, {'reason': ' '}, 'needs a reason'),
                (models.VOID, {'reason': 'x' * 1001}, 'at most 1000'),
                (models.END, {'resource_type': 'instance'},
                 'needs resource_id and time'),
                (models.END, {'resource_type': 'instance',
                              'resource_id': 'vm1',
                              'time': datetime.datetime(2026, 1, 1)},
                 'UTC')):
            exc = self.assertRaises(models.InvalidCorrection, request,
                                    kind, **fields)
            self.assertIn(message, str(exc))

    def test_audit_trail(self):
        self.life()
        done = self.correct(models.VOID, event_id='b', reason='ticket 42')
        (listed,) = self.connection.corrections()
        self.assertEqual(done, listed)
        self.assertEqual(('alice', 'manage', 'ticket 42', models.VOID, 'b'),
                         (listed.requested_by, listed.source, listed.reason,
                          listed.kind, listed.event_id))
        self.assertIsNotNone(listed.applied_at)
        self.assertEqual([], self.connection.corrections(
            status=models.PENDING))


class RemeterTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)

    def test_edited_message_replaces_its_quarantine_entry(self):
        self.ingestor.store([], [ev.Quarantined('bad size', '{"x": 1}',
                                                service='cinder')])
        (entry,) = self.connection.quarantined()
        fixed = event('r1', ev.CREATE, 0)
        seen = []

        def convert(text):
            seen.append(text)
            return [fixed]
        corrector = corrections.Corrector(self.connection, convert)
        correction = self.connection.add_correction(request(
            models.REMETER, quarantine_id=entry['id'], message='{"x": 2}'))
        done = corrector.apply(correction)
        self.assertEqual((models.APPLIED, ['{"x": 2}']), (done.status, seen))
        self.assertEqual([], self.connection.quarantined())
        (stored,) = self.connection.resource_events('instance', 'vm1')
        self.assertEqual((ev.CORRECTION, done.id),
                         (stored.provenance, stored.message_id))

    def test_a_message_that_still_fails_stays_quarantined(self):
        self.ingestor.store([], [ev.Quarantined('bad', '{}')])
        (entry,) = self.connection.quarantined()
        corrector = corrections.Corrector(self.connection,
                                          lambda text: 'still bad')
        done = corrector.apply(self.connection.add_correction(request(
            models.REMETER, quarantine_id=entry['id'], message='{}')))
        self.assertEqual(models.FAILED, done.status)
        self.assertIn('still bad', done.error)
        self.assertEqual(1, len(self.connection.quarantined()))

    def test_pending_remeters_wait_for_a_converter(self):
        self.connection.add_correction(request(
            models.REMETER, quarantine_id=1, message='{}'))
        self.assertEqual(
            0, corrections.Corrector(self.connection).apply_pending())


class RevisionTest(base.DBTestCase):
    """A correction reaches the sinks as revision 2 of the same record."""

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection,
                                           self.definitions())
        manager.put(self.connection, {
            'name': 'f', 'driver': 'file', 'filters': {'kinds': ['usage']},
            'url': 'file://%s/usage.jsonl' % self.tempdir})

    def test_end_corrects_closed_windows(self):
        self.ingestor.store([event('a', ev.CREATE, 0)])
        self.closer.run(until=at(120))
        before = {(r.meter, r.window_start): r
                  for r in self.connection.current_records()}
        corrector = corrections.Corrector(self.connection)
        corrector.apply(self.connection.add_correction(request(
            models.END, resource_type='instance', resource_id='vm1',
            time=at(30))))
        self.closer.run(until=at(120))
        after = {(r.meter, r.window_start): r
                 for r in self.connection.current_records()}
        self.assertEqual(set(before), set(after))
        for key, record in after.items():
            self.assertEqual((before[key].id, 2),
                             (record.id, record.revision))
        first = after[('instance', at(0))]
        self.assertEqual(decimal.Decimal(1800), first.quantity)
        self.assertEqual({'notification': 1800}, first.provenance)
        self.assertEqual(decimal.Decimal(0),
                         after[('instance', at(60))].quantity)


class SampleVoidTest(base.DBTestCase):
    """A gauge's or a counter's wrong reading is voided as events are."""

    def setUp(self):
        super().setUp()
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection, self.definitions(
            self.write_file('acme.yaml', test_samples.ACME)))
        sample = test_samples.sample
        self.ingestor.store([
            sample('g1', 'acme.stored', 0, 100),
            # A misreading: 100,000 bytes for half an hour.
            sample('g2', 'acme.stored', 30, 100000),
            sample('g3', 'acme.stored', 60, 100),
            sample('c1', 'acme.requests', 0, 1000),
            # A misreading that looks like 4,000 requests.
            sample('c2', 'acme.requests', 20, 5000),
            sample('c3', 'acme.requests', 40, 1300)])

    def records(self):
        return {r.meter: r for r in self.connection.current_records()
                if r.window_start == test_samples.T0}

    def test_void_of_a_sample_is_a_new_revision(self):
        self.closer.run(until=test_samples.at(120))
        before = self.records()
        self.assertEqual(
            (decimal.Decimal(100 * 1800 + 100000 * 1800),
             decimal.Decimal(4000)),
            (before['acme.stored'].quantity,
             before['acme.requests'].quantity))
        corrector = corrections.Corrector(self.connection)
        for target in ('g2', 'c2'):
            done = corrector.apply(self.connection.add_correction(request(
                models.VOID, event_id=target)))
            self.assertEqual((models.APPLIED, None), (done.status,
                                                      done.error))
        self.closer.run(until=test_samples.at(120))
        after = self.records()
        self.assertEqual((decimal.Decimal(100 * 3600), decimal.Decimal(300)),
                         (after['acme.stored'].quantity,
                          after['acme.requests'].quantity))
        for meter in ('acme.stored', 'acme.requests'):
            self.assertEqual((before[meter].id, 2),
                             (after[meter].id, after[meter].revision))
        again = corrector.apply(self.connection.add_correction(request(
            models.VOID, event_id='g2')))
        self.assertEqual((models.FAILED, 'event g2 is voided already'),
                         (again.status, again.error))
        # The sample itself stays stored: nothing is edited.
        self.assertEqual(ev.SAMPLE, self.connection.event('g2').action)


class FoldTest(base.TestCase):

    def test_voids_are_left_out_in_any_order(self):
        create = event('a', ev.CREATE, 0)
        resize = event('b', ev.UPDATE, 30, flavor='m1.large')
        void = ev.Event(id='v', resource_type='instance', resource_id='vm1',
                        action=ev.VOID, time=at(30), provenance=ev.CORRECTION,
                        attributes={ev.VOIDS: 'b'})
        for order in itertools.permutations([create, resize, void]):
            closed, state = timeline.fold(order)
            self.assertEqual([], closed)
            self.assertEqual(at(0), state.current.start)

    def test_a_void_must_be_a_correction(self):
        self.assertRaises(ev.InvalidEvent, ev.Event, id='v',
                          resource_type='instance', resource_id='vm1',
                          action=ev.VOID, time=at(0),
                          attributes={ev.VOIDS: 'b'})

    def test_corrections_never_come_on_the_bus(self):
        wire = event('a', ev.CREATE, 0).to_wire()
        wire['provenance'] = ev.CORRECTION
        self.assertRaises(ev.InvalidEvent, ev.Event.from_wire, wire)
