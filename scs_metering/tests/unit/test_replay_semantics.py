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
"""Replay has the engine's semantics (issue 13, finding 11)."""

import datetime
import json
import os

import fixtures
from sqlalchemy import exc as sa_exc

from scs_metering.common import timeutils
from scs_metering.engine import ingest
from scs_metering.publisher import manager
from scs_metering import replay
from scs_metering.tests import base

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                        'shared', 'fixtures', 'notifications')
TRACE = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                     'samples', 'nova-trace.jsonl')


def fixture(service, name):
    with open(os.path.join(FIXTURES, service, name + '.json')) as f:
        return json.load(f)


class ReplayTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.usage = os.path.join(self.tempdir, 'usage.jsonl')
        manager.put(self.connection, {
            'name': 'replay', 'driver': 'file',
            'filters': {'kinds': ['usage']}, 'url': 'file://' + self.usage})

    def replay(self, lines, until=None):
        job = replay.Replay(self.connection, self.defs, self.conf)
        job.ingest(lines)
        until = until or job.default_until()
        job.close_and_deliver(until)
        return job

    def delivered(self):
        with open(self.usage) as f:
            return [json.loads(line) for line in f]

    def nova_trace(self):
        with open(TRACE) as f:
            return f.readlines()

    def test_metering_start_is_honoured(self):
        self.config('engine', metering_start='2026-11-02T12:00:00Z')
        self.replay(self.nova_trace())
        starts = {r.window_start for r in self.connection.current_records()}
        self.assertTrue(starts)
        self.assertEqual(
            datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.timezone.utc),
            min(starts))

    def test_consecutive_replays_all_deliver(self):
        # The first replay's delivery lease made the second deliver none.
        first = self.replay(self.nova_trace())
        self.assertGreater(first.counts['records delivered'], 0)
        image = json.dumps(fixture('glance', 'image.delete'))
        second = self.replay([image])
        self.assertGreater(second.counts['usage records'], 0)
        self.assertEqual(second.counts['usage records'],
                         second.counts['records delivered'])
        self.assertEqual(
            first.counts['usage records'] + second.counts['usage records'],
            len(self.delivered()))

    def test_image_known_from_its_delete_is_billed_from_created_at(self):
        message = fixture('glance', 'image.delete')
        payload = message['payload']
        job = self.replay([json.dumps(message)])
        self.assertEqual(1, job.counts['events stored'])
        records = self.connection.current_records(meter='image.size')
        created = timeutils.parse(payload['created_at'] + 'Z')
        deleted = timeutils.parse(message['timestamp'].replace(' ', 'T') +
                                  'Z')
        # Billed as active (delete_state) from created_at to the delete.
        first = min(records, key=lambda r: r.window_start)
        self.assertLessEqual(first.window_start, created)
        self.assertLess(created, first.window_end)
        self.assertEqual(
            int((deleted - created).total_seconds()) * payload['size'],
            sum(r.quantity for r in records))


class ServiceGuessTest(base.TestCase):

    def test_an_ignore_rule_does_not_swallow_other_services(self):
        defs = self.definitions()
        for event_type, service in (
                # Metered wins over any ignore rule.
                ('image.delete', 'glance'),
                ('volume.create.end', 'cinder'),
                ('octavia.loadbalancer.create.end', 'octavia'),
                # An ignore rule that names the event type.
                ('compute.instance.create.start', 'nova'),
                ('volume.create.start', 'cinder'),
                ('network.create.end', 'neutron'),
                # neutron's '*.start' for neutron's own actions only.
                ('router.create.start', 'neutron'),
                ('floatingip.update.start', 'neutron'),
                ('octavia.loadbalancer.create.start', None),
                ('dns.zone.create.start', None),
                ('no.such.event', None)):
            self.assertEqual(service, defs.guess_service(event_type),
                             event_type)


class IsolationTest(ReplayTest):

    def test_a_line_that_is_not_utf8_is_quarantined_alone(self):
        lines = [line.encode() for line in self.nova_trace()]
        bad = b'{"event_type": "instance.update", "x": "\xff\xfe"}\n'
        job = self.replay(lines[:3] + [bad] + lines[3:])
        self.assertEqual(2, job.counts['quarantined'])  # 1 in the trace
        self.assertGreater(job.counts['records delivered'], 0)
        reasons = [q['reason'] for q in self.connection.quarantined()]
        self.assertIn('replay line 4: not UTF-8 text: byte 0xff at '
                      'position 40: invalid start byte', reasons)

    def test_a_batch_the_database_refuses_is_split(self):
        # The database refusing one notification's events (simulated: on
        # SQLite nothing the guards pass is refused) costs only those.
        store = ingest.Ingestor.store

        def refuse(ingestor, batch, quarantined=()):
            if any(e.resource_id.startswith('bad') for e in batch):
                raise sa_exc.DataError('INSERT', {}, Exception(
                    'value too long'))
            return store(ingestor, batch, quarantined)
        self.useFixture(fixtures.MonkeyPatch(
            'scs_metering.engine.ingest.Ingestor.store', refuse))
        image = fixture('glance', 'image.delete')
        bad = dict(image, message_id='m-bad', payload=dict(
            image['payload'], id='bad-image'))
        job = self.replay([json.dumps(bad)] + self.nova_trace())
        self.assertEqual(2, job.counts['quarantined'])  # 1 in the trace
        entry = [q for q in self.connection.quarantined()
                 if 'value too long' in q['reason']]
        self.assertEqual(1, len(entry))
        self.assertEqual('glance', entry[0]['service'])
        self.assertGreater(job.counts['records delivered'], 0)
