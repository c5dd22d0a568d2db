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
"""The ``openstack metering`` commands, run as an operator runs them.

Each command is the real ``openstack`` of python-openstackclient, run as
a subprocess with OS_* variables of a real Keystone user; it finds the API
in the Keystone catalog. Usage is seeded through the engine's Ingestor
and WindowCloser, and the engine's Deliverer pushes to a webhook on
loopback, so the commands show what the service really did.

Alpha has two servers, of 3 and 2 hours in the seeded January; beta one
of 3 hours (base.CLITestCase.seed).
"""

from concurrent import futures
import os
import pty
import secrets
import select
import subprocess
import time

from scs_metering.publisher import delivery
from scs_metering.publisher import secrets as sink_secrets
from scs_metering.tests.functional.cli import base
from scs_metering.tests import webhook

JANUARY = ('--start', '2026-01-01', '--end', '2026-02-01')


class SinkTest(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.key = secrets.token_urlsafe(24)
        self.key_file = os.path.join(self.dir, 'hmac.key')
        with open(self.key_file, 'w') as f:
            f.write(self.key + '\n')

    def deliver(self):
        deliverer = delivery.Deliverer(self.api_conf, self.storage, 'cli')
        try:
            return deliverer.run_once()
        finally:
            deliverer.close()

    def test_life_of_a_sink(self):
        hook = webhook.Webhook(hmac_key=self.key).then(
            ('status', 400, {}, 'unknown field "usage"'))
        self.addCleanup(hook.stop)
        created = self.json(
            'metering', 'sink', 'create', 'billing', '--driver', 'http',
            '--url', hook.url, '--hmac-key-file', self.key_file,
            '--kind', 'usage', '--project', 'alpha')
        sink_id = created['id']
        self.assertEqual({
            'id': sink_id, 'name': 'billing', 'driver': 'http',
            'url': hook.url, 'format': 'native', 'options': {},
            'filters': {'kinds': ['usage'],
                        'projects': [self.project('alpha')]},
            'secrets': {'hmac_key': '******'}, 'paused': False}, created)
        self.assertEqual(created, self.json('metering', 'sink', 'show',
                                            'billing'))
        # The other tests of the class have sinks too.
        listed = self.json('metering', 'sink', 'list')
        self.assertIn({'ID': sink_id, 'Name': 'billing', 'Driver': 'http',
                       'URL': hook.url, 'Format': 'native',
                       'Paused': False}, listed)
        self.assertIn('%s billing http\n' % sink_id, self.openstack(
            'metering', 'sink', 'list', '-f', 'value', '-c', 'ID', '-c',
            'Name', '-c', 'Driver').stdout)

        # January again: alpha's two servers, 3 and 2 hours of usage.
        replay = self.json('metering', 'sink', 'replay', 'billing',
                           *JANUARY)
        self.assertEqual({'sink_id': sink_id, 'start': '2026-01-01T00:00:00Z',
                          'end': '2026-02-01T00:00:00Z', 'queued': 5},
                         replay)
        # The webhook refuses the batch: five dead letters.
        self.assertEqual(0, self.deliver())
        status = self.json('metering', 'sink', 'status', 'billing')
        self.assertEqual((0, 0, 5), (status['backlog'], status['delivered'],
                                     status['dead_letters']))
        self.assertEqual('HTTP 400 Bad Request', status['last_error'])
        dead = self.json('metering', 'sink', 'dead-letter', 'list',
                         'billing', '--long')
        self.assertEqual(5, len(dead))
        self.assertEqual({'usage'}, {d['Kind'] for d in dead})
        self.assertEqual('HTTP 400 Bad Request\nunknown field "usage"',
                         dead[0]['Answer'])

        # Paused, the retried letters wait in the backlog.
        self.openstack('metering', 'sink', 'pause', 'billing')
        self.assertEqual({'sink_id': sink_id, 'retried': 2}, self.json(
            'metering', 'sink', 'dead-letter', 'retry', 'billing',
            '--id', str(dead[0]['ID']), '--id', str(dead[1]['ID'])))
        self.assertEqual({'sink_id': sink_id, 'retried': 3}, self.json(
            'metering', 'sink', 'dead-letter', 'retry', 'billing'))
        self.assertEqual(0, self.deliver())
        status = self.json('metering', 'sink', 'status', 'billing')
        self.assertEqual((True, 5, 0), (status['paused'], status['backlog'],
                                        status['dead_letters']))
        self.openstack('metering', 'sink', 'resume', 'billing')
        self.assertEqual(5, self.deliver())
        status = self.json('metering', 'sink', 'status', 'billing')
        self.assertEqual((False, 0, 5), (status['paused'], status['backlog'],
                                         status['delivered']))
        # Signed with the key from the file, newline dropped.
        self.assertEqual(5, len(hook.delivered))
        self.assertEqual(0, hook.bad_signatures)

        self.openstack('metering', 'sink', 'set', 'billing', '--meter',
                       'instance', '--option', 'timeout=5')
        shown = self.json('metering', 'sink', 'show', sink_id)
        self.assertEqual(['instance'], shown['filters']['meters'])
        self.assertEqual({'timeout': 5}, shown['options'])
        self.openstack('metering', 'sink', 'unset', 'billing', '--meter',
                       'instance', '--option', 'timeout', '--secret',
                       'hmac_key')
        shown = self.json('metering', 'sink', 'show', sink_id)
        self.assertEqual(({}, {}, []), (shown['options'], shown['secrets'],
                                        shown['filters']['meters']))

        self.openstack('metering', 'sink', 'delete', 'billing')
        gone = self.openstack('metering', 'sink', 'show', 'billing',
                              status=1)
        self.assertEqual("No sink with a name or ID of 'billing' exists. "
                         "(HTTP 404)\n", gone.stderr)
        for output in self.outputs:
            self.assertNotIn(self.key, output)

    def test_secrets_stay_out_of_the_debug_output(self):
        sink = self.json('metering', 'sink', 'create', 'debugged',
                         '--driver', 'https', '--url',
                         'https://billing.example.com/usage',
                         '--hmac-key-file', self.key_file)
        result = self.openstack(
            '--debug', 'metering', 'sink', 'set', 'debugged',
            '--secret-file', 'hmac_key=-', stdin=self.key + '2\n')
        # --debug logs every other request with its body.
        self.assertIn('REQ: curl -g -i -X GET %s/v1/sinks/debugged'
                      % self.url, result.stderr)
        self.assertIn('PATCH', result.stderr)
        for output in self.outputs:
            self.assertNotIn(self.key, output)
        stored = self.storage.sink(sink['id'])['secrets']
        self.assertEqual({'hmac_key': self.key + '2'},
                         sink_secrets.decrypt(self.api_conf, stored))

    def test_secret_prompt_on_a_terminal(self):
        """getpass on a real terminal: asked twice, never echoed."""
        self.openstack('metering', 'sink', 'create', 'prompted',
                       '--driver', 'https', '--url',
                       'https://billing.example.com/usage')
        master, slave = pty.openpty()
        process = subprocess.Popen(
            [self.openstack_bin, 'metering', 'sink', 'set', 'prompted',
             '--secret-prompt', 'password'],
            env=self.environment(), stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True)
        os.close(slave)
        screen = b''
        for prompt in (b'Secret password: ', b'Repeat Secret password: '):
            screen = self.read_until(master, screen, prompt)
            os.write(master, self.key.encode() + b'\n')
        self.assertEqual(0, process.wait(120), screen)
        screen = self.read_until(master, screen, None)
        os.close(master)
        self.assertNotIn(self.key.encode(), screen)
        stored = self.storage.sink_by_name('prompted')['secrets']
        self.assertEqual({'password': self.key},
                         sink_secrets.decrypt(self.api_conf, stored))

    def read_until(self, fd, screen, wanted):
        """What the terminal showed, until ``wanted`` or the end."""
        deadline = time.monotonic() + 120
        while wanted is None or not screen.endswith(wanted):
            self.assertLess(time.monotonic(), deadline, screen)
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other end closed: the command ended
                chunk = b''
            if not chunk:
                self.assertIsNone(wanted, screen)
                return screen
            screen += chunk
        return screen

    def test_errors(self):
        self.openstack('metering', 'sink', 'create', 'taken',
                       '--driver', 'file', '--url',
                       'file://%s/taken.jsonl' % self.dir)
        cases = [
            # The server's message and a non-zero exit status.
            (('sink', 'create', 'taken', '--driver', 'file'), 'admin', 1,
             'A sink named taken already exists. (HTTP 409)'),
            (('sink', 'create', 'other', '--driver', 'nope'), 'admin', 1,
             "Invalid sink: driver: unknown driver 'nope'; available: "),
            (('sink', 'replay', 'taken', '--start', '2026-02-01',
              '--end', '2026-01-01'), 'admin', 1,
             'Invalid query parameter end: must be after start (HTTP 400)'),
            (('resource', 'show', 'instance', 'nope'), 'admin', 1,
             'Resource instance nope could not be found. (HTTP 404)'),
            (('sink', 'list'), 'alpha-reader', 1,
             'Policy does not allow scs-metering:sink:list to be performed. '
             '(HTTP 403)'),
            (('usage', 'show', '--project', 'gamma'), 'admin', 1,
             "No project with a name or ID of 'gamma' exists."),
            # Usage errors, before any request.
            (('sink', 'create', 'other'), 'admin', 2,
             'error: the following arguments are required: --driver'),
            (('usage', 'show', '--start', 'last week'), 'admin', 2,
             "error: argument --start: not an ISO 8601 time: 'last week'"),
            (('sink', 'create', 'other', '--driver', 'http',
              '--hmac-key-file', '/nonexistent'), 'admin', 2,
             'error: argument --hmac-key-file: cannot read /nonexistent: '
             'No such file or directory'),
        ]
        # Independent commands: run side by side, to save time.
        with futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(
                lambda case: self.openstack('metering', *case[0],
                                            user=case[1], status=case[2]),
                cases))
        for (args, _user, _status, message), result in zip(cases, results):
            self.assertIn(message, result.stderr, args)
            self.assertEqual('', result.stdout, args)


class ReportTest(base.CLITestCase):

    def test_usage_report(self):
        report = self.json('metering', 'usage', 'show', '--project', 'alpha',
                           '--group-by', 'flavor_name', *JANUARY)
        self.assertEqual([
            {'Meter': 'instance', 'flavor_name': 'm1.large',
             'Quantity': '7200', 'Unit': 's'},
            {'Meter': 'instance', 'flavor_name': 'test_flavor',
             'Quantity': '10800', 'Unit': 's'}], report)
        # A reader gets their own project, by default or by name; the value
        # format is for shells.
        for project in ((), ('--project', 'alpha')):
            self.assertEqual('instance 18000 s\n', self.openstack(
                'metering', 'usage', 'show', *JANUARY, *project, '-f',
                'value', user='alpha-reader').stdout)
        csv = self.openstack('metering', 'usage', 'show', '--long',
                             '--project', self.project('beta'), *JANUARY,
                             '-f', 'csv').stdout
        self.assertEqual(
            '"Meter","Quantity","Unit","Notification Seconds",'
            '"Audit Seconds","Reconciliation Seconds","Inferred Seconds"\n'
            '"instance","10800","s",10800,0,0,0\n', csv.replace('\r', ''))
        everyone = self.json('metering', 'usage', 'show', '--all-projects',
                             '--group-by', 'project_id', '--meter',
                             'instance', *JANUARY)
        self.assertEqual({self.project('alpha'): '18000',
                          self.project('beta'): '10800'},
                         {row['project_id']: row['Quantity']
                          for row in everyone})
        # Outside the seeded hours there is nothing, and that is no error.
        self.assertEqual([], self.json('metering', 'usage', 'show',
                                       '--project', 'alpha', '--start',
                                       '2025-01-01', '--end', '2025-02-01'))
        denied = self.openstack('metering', 'usage', 'show', '--project',
                                'beta', user='alpha-reader', status=1)
        self.assertIn('Policy does not allow scs-metering:usage:get',
                      denied.stderr)

    def test_resources(self):
        listed = self.json('metering', 'resource', 'list', '--project',
                           'alpha', '--long')
        self.assertEqual(['vm-alpha', 'vm-alpha-2'],
                         [r['ID'] for r in listed])
        self.assertEqual(1, len(listed[1]['Periods']))
        shown = self.json('metering', 'resource', 'show', 'instance',
                          'vm-alpha-2')
        self.assertEqual(self.project('alpha'), shown['project_id'])
        self.assertEqual('2026-01-01T01:00:00Z', shown['started_at'])
        [period] = shown['periods']
        self.assertEqual(('notification', 0, 'm1.large'), (
            period['provenance'], period['uncertainty_seconds'],
            period['attributes']['flavor_name']))
        table = self.openstack('metering', 'resource', 'show', 'instance',
                               'vm-alpha-2').stdout
        self.assertIn('| periods        | 2026-01-01T01:00:00Z to now, '
                      'project_id=%s, state=active, provenance=notification, '
                      'uncertainty_seconds=0 |' % self.project('alpha'), table)

    def test_status(self):
        status = self.json('metering', 'status')
        self.assertEqual(0, status['quarantined'])
        self.assertEqual(
            [{'meter': 'instance', 'closed_until': '2026-01-01T03:00:00Z'}],
            [{k: w[k] for k in ('meter', 'closed_until')}
             for w in status['windows']])
        self.assertEqual(
            'engine_lag_seconds', self.openstack(
                'metering', 'status', '-f', 'yaml').stdout.split(':')[0])

    def test_help_reads_well(self):
        overview = self.openstack('metering', '--help').stdout
        self.assertTrue(overview.startswith('usage: openstack metering'))
        self.assertIn('    openstack metering sink dead-letter retry\n'
                      '        Send dead letters of a sink again.\n',
                      overview)
        self.assertEqual(overview, self.openstack('help', 'metering').stdout)
        create = self.openstack('metering', 'sink', 'create',
                                '--help').stdout
        self.assertIn('\nExamples:\n\n    # A webhook;', create)
        self.assertIn('--os-metering-api-version <metering-api-version>',
                      self.openstack('--help').stdout)
        unknown = self.openstack('--os-metering-api-version', '2',
                                 'metering', 'status', status=2)
        self.assertIn('metering API version 2 is not in supported versions: '
                      '1', unknown.stderr)
