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
"""openstack metering correction ...: what each command sends and shows."""

import json
import os
import shlex

from scs_metering.engine import corrections
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.tests.unit.osc import test_commands
from scs_metering.tests.unit import test_ingest
from scsmeteringclient import exceptions


GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'doc', 'source', 'admin', 'corrections.rst')


def guide_commands():
    """The admin guide's ``openstack metering correction`` commands."""
    with open(GUIDE) as f:
        return [shlex.split(line.strip())[2:] for line in f
                if line.strip().startswith('$ openstack metering')]


class CorrectionCommandsTest(test_commands.CommandTestCase):

    def setUp(self):
        super().setUp()
        ingest.Ingestor(self.connection).store([
            test_ingest.event('a', ev.CREATE, 0),
            test_ingest.event('b', ev.UPDATE, 30, state='paused')])

    def shown(self, name, *argv):
        fields, values = self.run_command(name, *argv)
        return dict(zip(fields, values))

    def test_end_list_and_show(self):
        made = self.shown('metering correction end', 'instance', 'vm1',
                          '--time', '2026-11-02T09:00:00',
                          '--reason', 'ticket 4711')
        self.assertEqual(('end', 'pending', '2026-11-02T09:00:00Z',
                          'ticket 4711', 'api'),
                         (made['kind'], made['status'], made['time'],
                          made['reason'], made['source']))
        corrections.Corrector(self.connection).apply_pending()
        shown = self.shown('metering correction show', made['id'])
        self.assertEqual('applied', shown['status'])
        self.assertEqual(1, len(shown['event_ids'].machine_readable()))
        headers, rows = self.run_command('metering correction list',
                                         '--status', 'applied', '--long')
        self.assertEqual('Requested By', headers[9])
        self.assertEqual([(made['id'], 'end', 'applied')],
                         [row[:3] for row in rows])

    def test_void_start_and_remeter_send_their_fields(self):
        void = self.shown('metering correction void', 'b',
                          '--reason', 'never paused')
        self.assertEqual(('b', 'instance', 'vm1'), (
            void['event_id'], void['resource_type'], void['resource_id']))
        start = self.shown('metering correction start', 'instance', 'vm1',
                           '--time', '2026-11-02T07:00:00Z', '--reason', 'x')
        self.assertEqual('start', start['kind'])
        ingest.Ingestor(self.connection).store([], [ev.Quarantined(
            'bad', '{}', 'nova')])
        (entry,) = self.connection.quarantined()
        path = self.write_file('fixed.json', json.dumps({'payload': {}}))
        remeter = self.shown('metering correction remeter', str(entry['id']),
                             '--message-file', path, '--reason', 'edited')
        self.assertEqual(entry['id'], remeter['quarantine_id'])
        stored = self.connection.correction(remeter['id'])
        self.assertEqual({'payload': {}}, json.loads(stored.message))

    def test_errors(self):
        self.assertRaises(exceptions.NotFound, self.run_command,
                          'metering correction void', 'nope',
                          '--reason', 'x')
        self.assertIn('holds no JSON object', self.usage_error(
            'metering correction remeter', '1', '--message-file',
            self.write_file('list.json', '[]'), '--reason', 'x'))
        self.assertIn('the following arguments are required: --reason',
                      self.usage_error('metering correction end',
                                       'instance', 'vm1', '--time',
                                       '2026-11-02T09:00:00Z'))

    def test_the_guide_commands_as_written(self):
        vm = '4f1c6a3e-0d5b-4c1e-9a57-6d2b8f0e3c11'
        ingest.Ingestor(self.connection).store([
            test_ingest.event('g', ev.CREATE, 0, vm=vm)])
        end, listing, show = guide_commands()
        made = self.shown(' '.join(end[:3]), *end[3:])
        self.assertEqual(('end', vm, '2026-11-02T09:30:00Z'), (
            made['kind'], made['resource_id'], made['time']))
        _headers, rows = self.run_command(' '.join(listing[:3]),
                                          *listing[3:])
        self.assertEqual([made['id']], [row[0] for row in rows])
        self.assertEqual(['CORRECTION_ID'], show[3:])
        self.assertEqual('pending', self.shown(' '.join(show[:3]),
                                               made['id'])['status'])
