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
"""openstack metering quarantine ...: what each command sends and shows."""

import datetime
import json
import os
import shlex

from scs_metering.common import timeutils
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.tests import fixtures as fx
from scs_metering.tests.unit.osc import test_commands
from scsmeteringclient import exceptions

GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'doc', 'source', 'admin', 'troubleshooting.rst')


def quarantine(connection):
    """A message that meters now, one that never will, one not UTF-8.

    Returns their entry ids, in that order.
    """
    when = timeutils.utcnow().replace(microsecond=0) - datetime.timedelta(
        hours=1)
    good = fx.instance('instance-create-end', 'vm-q', 'p1', 'u1', when,
                       launched_at=when)
    ingest.Ingestor(connection).store([], [
        ev.Quarantined('refused by the database: connection lost',
                       ev.raw_text(good), 'nova', 'instance.create.end',
                       'nova-compute:host1', good['message_id']),
        ev.Quarantined('payload is not an object',
                       ev.raw_text(dict(good, payload=[])), 'nova'),
        ev.Quarantined('not UTF-8 text: byte 0xff at position 9',
                       ev.raw_text(b'{"id": "a\xff\x00b"}'))])
    return [q['id'] for q in connection.quarantined()]


class QuarantineCommandsTest(test_commands.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.ids = quarantine(self.connection)

    def test_list_filters_and_pages(self):
        headers, rows = self.run_command('metering quarantine list')
        self.assertEqual(('ID', 'Received At', 'Service', 'Event Type',
                          'Reason'), headers)
        self.assertEqual(self.ids, [r[0] for r in rows])
        self.assertEqual(('nova', 'instance.create.end'), rows[0][2:4])
        _h, rows = self.run_command('metering quarantine list', '--service',
                                    'unknown')
        self.assertEqual(self.ids[2:], [r[0] for r in rows])
        _h, rows = self.run_command('metering quarantine list', '--reason',
                                    'PAYLOAD', '--long')
        self.assertEqual([(self.ids[1], None, None)],
                         [(r[0], r[5], r[6]) for r in rows])
        _h, rows = self.run_command('metering quarantine list', '--limit',
                                    '1', '--marker', str(self.ids[0]))
        self.assertEqual([self.ids[1]], [r[0] for r in rows])
        _h, rows = self.run_command('metering quarantine list', '--until',
                                    '2000-01-01')
        self.assertEqual([], rows)

    def test_show_gives_the_raw_message(self):
        fields, values = self.run_command('metering quarantine show',
                                          str(self.ids[2]))
        shown = dict(zip(fields, values))
        self.assertEqual('{"id": "a\\xff\\x00b"}', shown['raw'])
        self.assertIsNone(shown['service'])
        self.assertRaises(exceptions.NotFound, self.run_command,
                          'metering quarantine show', '999999')

    def test_retry_reports_each_entry(self):
        headers, rows = self.run_command('metering quarantine retry')
        self.assertEqual(('ID', 'Result', 'Events', 'Reason'), headers)
        self.assertEqual(
            [(self.ids[0], 'metered', 1),
             (self.ids[1], 'failing', 0), (self.ids[2], 'failing', 0)],
            [r[:3] for r in rows])
        self.assertIn('malformed JSON', rows[2][3])
        self.assertEqual(self.ids[1:], [
            q['id'] for q in self.connection.quarantined()])
        _h, rows = self.run_command('metering quarantine retry', '--id',
                                    str(self.ids[1]))
        self.assertEqual([(self.ids[1], 'failing')], [r[:2] for r in rows])
        self.assertRaises(exceptions.NotFound, self.run_command,
                          'metering quarantine retry', '--id', '999999')

    def test_retry_with_filters_and_limit(self):
        _h, rows = self.run_command('metering quarantine retry',
                                    '--service', 'nova', '--limit', '1')
        self.assertEqual([(self.ids[0], 'metered')], [r[:2] for r in rows])
        _h, rows = self.run_command('metering quarantine retry',
                                    '--id', str(self.ids[1]), '--id',
                                    str(self.ids[2]))
        self.assertEqual([self.ids[1], self.ids[2]], [r[0] for r in rows])
        self.assertIn('not a positive whole number', self.usage_error(
            'metering quarantine retry', '--id', 'x'))

    def test_client_pages_a_bulk_retry(self):
        self.config('api', default_limit=1)
        report = self.client.quarantine.retry_many()
        self.assertEqual([self.ids[0]], [r['id'] for r in report['retried']])
        self.assertEqual(self.ids[1:], [f['id'] for f in report['failing']])
        self.assertEqual((1, 0, None), (
            report['events_stored'], report['duplicates_skipped'],
            report['next_marker']))
        self.assertEqual(json.loads(json.dumps(report)), report)

    def test_the_troubleshooting_guide_commands(self):
        with open(GUIDE) as f:
            found = [shlex.split(line.strip())[2:] for line in f
                     if line.strip().startswith('$ openstack metering '
                                                'quarantine')]
        self.assertEqual(5, len(found))
        for argv in found:
            name, args = ' '.join(argv[:3]), argv[3:]
            if '42' in args:
                # The guide's example id.
                self.assertRaises(exceptions.NotFound, self.run_command,
                                  name, *args)
            else:
                self.run_command(name, *args)
