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
"""The input guards: value, id and time bounds, and their reasons.

Issue 13, findings 2 to 5 and 7: each case failed before the guards (the
value was converted and forwarded, and the database or the window closer
then failed on it).
"""

import datetime

from scs_metering.agent import converter
from scs_metering.agent import envelope
from scs_metering.common import timeutils
from scs_metering.definitions import fields
from scs_metering.definitions import guards
from scs_metering.engine import isolation
from scs_metering import events as ev
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx

NOW = datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)


def volume(**payload):
    message = fx.load('cinder/volume.create.end.json')
    message['payload'].update(payload)
    message['timestamp'] = timeutils.isoformat(NOW - HOUR)
    message['payload']['launched_at'] = message['timestamp']
    return message


class FieldGuardTest(base.TestCase):

    def test_numbers_are_non_negative_and_bounded_by_default(self):
        field = fields.Field('size', {'path': '/s', 'type': 'int'})
        self.assertEqual(5, field.extract({'s': 5}))
        self.assertEqual(10 ** 18, field.extract({'s': 10 ** 18}))
        for bad, text in ((-1, 'less than the minimum 0'),
                          (10 ** 30, 'more than the maximum')):
            exc = self.assertRaises(fields.FieldError, field.extract,
                                    {'s': bad})
            self.assertIn('field size at /s', str(exc))
            self.assertIn(text, str(exc))

    def test_declared_bounds(self):
        field = fields.Field('x', {'path': '/x', 'type': 'decimal',
                                   'min': -10, 'max': 10})
        self.assertEqual(-10, field.extract({'x': -10}))
        self.assertRaises(fields.FieldError, field.extract, {'x': 11})
        lifted = fields.Field('x', {'path': '/x', 'type': 'int',
                                    'min': None})
        self.assertEqual(-7, lifted.extract({'x': -7}))

    def test_a_bound_beyond_the_storage_is_refused(self):
        self.assertRaises(ValueError, fields.Field, 'x',
                          {'path': '/x', 'type': 'int', 'max': 10 ** 20})

    def test_texts_have_no_control_characters_and_fit_the_columns(self):
        field = fields.Field('resource_id', '/id')
        exc = self.assertRaises(fields.FieldError, field.extract,
                                {'id': 'a\x00b'})
        self.assertIn("control character '\\x00' at position 1", str(exc))
        exc = self.assertRaises(fields.FieldError, field.extract,
                                {'id': 'x' * 20000})
        self.assertIn('20000 characters long, more than the 255',
                      str(exc))
        self.assertEqual('é' * 255, field.extract({'id': 'é' * 255}))

    def test_wrong_type_reason_does_not_repeat_a_huge_value(self):
        field = fields.Field('size', {'path': '/s', 'type': 'int'})
        exc = self.assertRaises(fields.FieldError, field.extract,
                                {'s': 'y' * 20000})
        self.assertLess(len(str(exc)), 300)


class EventGuardTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.guard = guards.EventGuard(self.defs, horizon_days=90,
                                       clock_skew=600, max_windows=10000,
                                       clock=lambda: NOW)
        self.convert = converter.Converter(self.defs, self.guard)

    def reason(self, message):
        outcome = self.convert.convert('cinder', message)
        self.assertEqual([], outcome.events)
        [entry] = outcome.quarantined
        self.assertEqual('cinder', entry.service)
        return entry.reason

    def test_a_valid_notification_passes(self):
        outcome = self.convert.convert('cinder', volume())
        self.assertEqual(1, len(outcome.events))
        self.assertEqual([], outcome.quarantined)

    def test_times_before_the_horizon_or_in_the_future(self):
        old = volume()
        old['timestamp'] = old['payload']['launched_at'] = '1970-01-01'
        self.assertIn('before the earliest time metered',
                      self.reason(old))
        self.assertIn('the event horizon', self.reason(old))
        future = volume()
        future['timestamp'] = future['payload']['launched_at'] = (
            '2030-12-07T12:00:00Z')
        self.assertIn('in the future', self.reason(future))
        skewed = volume()
        skewed['payload']['launched_at'] = timeutils.isoformat(
            NOW + datetime.timedelta(seconds=599))
        self.assertEqual([], self.convert.convert('cinder',
                                                  skewed).quarantined)

    def test_metering_start_is_the_earliest_time(self):
        guard = guards.EventGuard(
            self.defs, metering_start=NOW - 400 * 24 * HOUR,
            horizon_days=90, max_windows=100000, clock=lambda: NOW)
        year_old = volume()
        year_old['timestamp'] = year_old['payload']['launched_at'] = (
            timeutils.isoformat(NOW - 365 * 24 * HOUR))
        self.assertEqual([], converter.Converter(self.defs, guard).convert(
            'cinder', year_old).quarantined)

    def test_windows_cap(self):
        guard = guards.EventGuard(self.defs, max_windows=48,
                                  clock=lambda: NOW)
        old = volume()
        old['timestamp'] = old['payload']['launched_at'] = (
            timeutils.isoformat(NOW - 50 * HOUR))
        [entry] = converter.Converter(self.defs, guard).convert(
            'cinder', old).quarantined
        self.assertIn('reaches back over 50 windows of 3600 seconds, more '
                      'than the 48 one event may open', entry.reason)

    def test_ids_of_events_from_elsewhere(self):
        event = ev.Event(id='e', resource_type='volume', resource_id='v',
                         action=ev.CREATE, time=NOW, project_id='p' * 5000,
                         attributes={'size': 1})
        self.assertIn('project_id is 5000 characters long',
                      self.guard.reason(event))
        negative = ev.Event(id='e', resource_type='volume',
                            resource_id='v', action=ev.CREATE, time=NOW,
                            attributes={'size': -3})
        self.assertIn('size is -3', self.guard.reason(negative))

    def test_quarantine_headers_fit_their_columns(self):
        message = volume()
        message['event_type'] = 'volume.create.end\x00' + 'z' * 1000
        entry = self.convert.convert('cinder', message).quarantined[0]
        self.assertEqual(255, len(entry.event_type))
        self.assertNotIn('\x00', entry.event_type)
        self.assertTrue(entry.event_type.startswith(
            'volume.create.end\\x00z'))

    def test_options_build_the_guard(self):
        self.config('guards', event_horizon=2, clock_skew=5,
                    max_windows_per_event=7)
        self.config('engine', metering_start='2026-01-01T00:00:00Z')
        guard = guards.EventGuard.from_conf(self.conf, self.defs)
        self.assertEqual(datetime.datetime(
            2026, 1, 1, tzinfo=datetime.timezone.utc), guard.earliest(NOW))
        self.assertEqual(7, guard.max_windows)
        self.assertEqual(datetime.timedelta(seconds=5), guard.skew)


class UndecodableTest(base.TestCase):
    """Finding 7: bytes that are no UTF-8 keep their true reason."""

    def test_reason_and_storable_text(self):
        body = b'{"event_type": "volume.exists\xff\x00"}'
        self.assertEqual('not UTF-8 text: byte 0xff at position 29: '
                         'invalid start byte', ev.undecodable(body))
        text = ev.raw_text(body)
        self.assertNotIn('\x00', text)
        self.assertIn('\\xff\\x00', text)
        self.assertIsNone(ev.undecodable(b'{"a": 1}'))
        self.assertIsNone(ev.undecodable('text'))

    def test_nul_in_text_is_escaped(self):
        self.assertEqual('a\\x00b', ev.raw_text('a\x00b'))

    def test_deep_nesting_has_its_reason(self):
        exc = self.assertRaises(envelope.MalformedMessage, envelope.parse,
                                '[' * 100000 + ']' * 100000)
        self.assertEqual('malformed JSON: nested too deeply', str(exc))
        deep = []
        for _n in range(100000):
            deep = [deep]
        message = volume(display_name=deep)
        [entry] = converter.Converter(self.definitions()).convert(
            'cinder', message).quarantined
        self.assertEqual('malformed message: nested too deeply',
                         entry.reason)
        self.assertIn('nested too deeply to show', entry.raw)


class IsolationTest(base.TestCase):
    """The bisection quarantines only the notifications at fault."""

    def event(self, name, message_id=None):
        return ev.Event(id='e-%s' % name, resource_type='volume',
                        resource_id=name, action=ev.CREATE, time=NOW,
                        message_id=message_id or 'm-%s' % name,
                        event_type='volume.create.end')

    def test_bisect(self):
        bad = {'b', 'f'}
        stored, calls = [], []

        def store(found, kept):
            calls.append(len(found) + len(kept))
            if any(e.resource_id in bad for e in found):
                raise ValueError('value too long for type character '
                                 'varying(255)\nDETAIL: the statement')
            stored.extend(found)
            stored.extend(kept)

        found = [self.event(n) for n in 'abcdefgh']
        parts = isolation.units('cinder', found + [self.event('f2', 'm-f')],
                                [])
        self.assertEqual(8, len(parts))
        refused = isolation.store(store, lambda exc: False, parts,
                                  ValueError('the whole batch'))
        self.assertEqual({'m-b', 'm-f'},
                         {u.events[0].message_id for u, _r in refused})
        kept = [s for s in stored if isinstance(s, ev.Quarantined)]
        self.assertEqual(2, len(kept))
        self.assertEqual({'cinder'}, {q.service for q in kept})
        self.assertEqual(
            'refused by the database: value too long for type character '
            'varying(255)', kept[0].reason)
        # The two events of notification m-f went together.
        self.assertEqual(sorted('acdegh'), sorted(
            s.resource_id for s in stored if isinstance(s, ev.Event)))

    def test_transient_failures_are_raised(self):
        def store(found, kept):
            raise OSError('gone')
        parts = isolation.units('nova', [self.event(n) for n in 'ab'], [])
        self.assertRaises(OSError, isolation.store, store,
                          lambda exc: True, parts, ValueError('batch'))
