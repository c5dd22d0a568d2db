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
"""Argument parsing of the metering commands, and what they send.

Commands run in-process against the real API (unit.client.base) with a
stand-in for OpenStackClient's application: its client manager holds the
metering client and nothing else.
"""

import argparse
import io
import types

import fixtures
from keystoneauth1 import session as ks_session
from osc_lib import exceptions

from scs_metering.tests import base as tests_base
from scs_metering.tests.unit.client import base
from scs_metering.tests.unit.osc import test_help
from scsmeteringclient.osc import common
from scsmeteringclient.osc import plugin
from scsmeteringclient.osc.v1 import resources


class CommandTestCase(base.ClientTestCase):
    """Commands run in-process, as OpenStackClient runs them."""

    def setUp(self):
        super().setUp()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.app = types.SimpleNamespace(
            client_manager=types.SimpleNamespace(metering=self.client),
            stdin=io.StringIO(), stdout=io.StringIO())

    def command(self, name):
        return test_help.commands()[name](self.app, None)

    def parse(self, name, *argv):
        return self.command(name).get_parser('openstack ' + name).parse_args(
            argv)

    def run_command(self, name, *argv):
        cmd = self.command(name)
        return cmd.take_action(cmd.get_parser(name).parse_args(argv))

    def usage_error(self, name, *argv):
        error = self.assertRaises(SystemExit, self.parse, name, *argv)
        self.assertEqual(2, error.code)
        return self.stderr.getvalue()


class ParsingTest(CommandTestCase):

    def test_options_are_json_or_text(self):
        parsed = self.parse(
            'metering sink create', 'x', '--driver', 'https',
            '--option', 'timeout=10', '--option', 'verify=false',
            '--option', 'auth=basic', '--option', 'username="007"',
            '--option', 'headers={"X-Env": "prod"}', '--option', 'a=b=c')
        self.assertEqual([('timeout', 10), ('verify', False),
                          ('auth', 'basic'), ('username', '007'),
                          ('headers', {'X-Env': 'prod'}), ('a', 'b=c')],
                         parsed.options)
        self.assertIn("argument --option: expected <key>=<value>, got "
                      "'timeout'", self.usage_error(
                          'metering sink create', 'x', '--driver', 'file',
                          '--option', 'timeout'))

    def test_secrets_from_files(self):
        key = self.write_file('hmac.key', 'k3y-from-file\n')
        password = self.write_file('password', 'pa55\r\n')
        parsed = self.parse('metering sink create', 'x', '--driver', 'https',
                            '--hmac-key-file', key,
                            '--secret-file', 'password=' + password)
        self.assertEqual({'hmac_key': 'k3y-from-file', 'password': 'pa55'},
                         common.read_secrets(None, parsed.secrets))
        self.useFixture(fixtures.MonkeyPatch(
            'sys.stdin', io.StringIO('t0ken\n')))
        self.assertEqual({'token': 't0ken'}, self.parse(
            'metering sink set', 'x', '--secret-file', 'token=-').secrets)

    def test_bad_secret_files_are_usage_errors(self):
        key = self.write_file('hmac.key', 'k3y-from-file')
        empty = self.write_file('empty', '\n')
        for argv, message in (
                (['--hmac-key-file', '/nonexistent/key'],
                 'argument --hmac-key-file: cannot read /nonexistent/key: '
                 'No such file or directory'),
                (['--secret-file', 'password=' + empty],
                 'argument --secret-file: %s is empty' % empty),
                (['--secret-file', key],
                 "argument --secret-file: expected <name>=<path>, got %r" %
                 key),
                (['--hmac-key-file', key, '--secret-file',
                  'hmac_key=' + key],
                 'secret hmac_key is given more than once')):
            self.stderr.seek(0)
            self.stderr.truncate()
            text = self.usage_error('metering sink set', 'x', *argv)
            self.assertIn(message, text)
            self.assertNotIn('k3y-from-file', text)

    def test_prompt_needs_a_terminal(self):
        parsed = self.parse('metering sink create', 'x', '--driver', 'https',
                            '--secret-prompt', 'password')
        self.assertEqual({'password': common.PROMPT}, parsed.secrets)
        error = self.assertRaises(exceptions.CommandError,
                                  common.read_secrets, io.StringIO(),
                                  parsed.secrets)
        self.assertIn('No terminal detected', str(error))

    def test_times(self):
        parsed = self.parse('metering usage show', '--start', '2026-01-31',
                            '--end', '2026-02-01T01:30:00+02:00')
        self.assertEqual('2026-01-31T00:00:00Z', parsed.start)
        self.assertEqual('2026-01-31T23:30:00Z', parsed.end)
        self.assertIn("argument --start: not an ISO 8601 time: 'yesterday'",
                      self.usage_error('metering sink replay', 'x',
                                       '--start', 'yesterday', '--end',
                                       '2026-01-01'))

    def test_usage_errors(self):
        for argv, message in (
                (['metering sink create', 'x'],
                 'the following arguments are required: --driver'),
                (['metering sink replay', 'x', '--start', '2026-01-01'],
                 'the following arguments are required: --end'),
                (['metering sink create', 'x', '--driver', 'file',
                  '--kind', 'usages'],
                 "argument --kind: invalid choice: 'usages'"),
                (['metering usage show', '--project', 'a',
                  '--all-projects'],
                 'argument --all-projects: not allowed with argument '
                 '--project'),
                (['metering sink list', '--limit', '0'],
                 "argument --limit: not a positive whole number: '0'"),
                (['metering sink dead-letter retry', 'x', '--id', 'all'],
                 "argument --id: not a positive whole number: 'all'")):
            self.assertIn(message, self.usage_error(*argv))

    def test_set_and_unset(self):
        sink = self.client.sinks.create(**self.file_sink(
            'archive', filters={'kinds': ['usage']}))
        key = self.write_file('hmac.key', 'k3y')
        self.run_command('metering sink set', 'archive', '--meter',
                         'instance', '--option', 'batch_size=5',
                         '--record-format', 'cloudevents',
                         '--option', 'source=//metering.example.com',
                         '--secret-file', 'hmac_key=' + key)
        self.run_command('metering sink set', sink['id'], '--meter',
                         'volume.size', '--meter', 'instance')
        changed = self.client.sinks.get(sink['id'])
        self.assertEqual({'kinds': ['usage'],
                          'meters': ['instance', 'volume.size']},
                         changed['filters'])
        self.assertEqual({'batch_size': 5,
                          'source': '//metering.example.com'},
                         changed['options'])
        self.assertEqual('cloudevents', changed['format'])
        self.assertEqual({'hmac_key': '******'}, changed['secrets'])

        self.run_command('metering sink unset', 'archive', '--meter',
                         'instance', '--option', 'source',
                         '--record-format')
        changed = self.client.sinks.get(sink['id'])
        self.assertEqual({'kinds': ['usage'], 'meters': ['volume.size']},
                         changed['filters'])
        self.assertEqual({'batch_size': 5}, changed['options'])
        self.assertEqual('native', changed['format'])
        error = self.assertRaises(
            exceptions.CommandError, self.run_command, 'metering sink unset',
            'archive', '--meter', 'instance', '--secret', 'password')
        self.assertEqual('Sink archive has no secrets password.', str(error))
        error = self.assertRaises(
            exceptions.CommandError, self.run_command, 'metering sink unset',
            'archive', '--meter', 'instance')
        self.assertEqual('Sink archive has no filters.meters instance.',
                         str(error))
        # The last value of a filter empties it; of all filters, removes
        # them.
        self.run_command('metering sink unset', 'archive', '--meter',
                         'volume.size', '--secret', 'hmac_key')
        changed = self.client.sinks.get(sink['id'])
        self.assertEqual({'kinds': ['usage'], 'meters': []},
                         changed['filters'])
        self.assertEqual({}, changed['secrets'])
        self.run_command('metering sink unset', 'archive', '--kind', 'usage')
        self.assertEqual({}, self.client.sinks.get(sink['id'])['filters'])

    def test_show_and_list(self):
        sink = self.client.sinks.create(**self.file_sink(
            'archive', filters={'kinds': ['usage'], 'meters': []},
            options={'batch_size': 5}))
        fields, values = self.run_command('metering sink show', 'archive')
        shown = dict(zip(fields, values))
        self.assertEqual(sink['id'], shown['id'])
        self.assertNotIn('links', shown)
        self.assertEqual('kinds=usage', shown['filters'].human_readable())
        self.assertEqual({'kinds': ['usage'], 'meters': []},
                         shown['filters'].machine_readable())
        self.assertEqual("batch_size='5'", shown['options'].human_readable())
        headers, rows = self.run_command('metering sink list')
        self.assertEqual(('ID', 'Name', 'Driver', 'URL', 'Format', 'Paused'),
                         headers)
        self.assertEqual([(sink['id'], 'archive', 'file', sink['url'],
                           'native', False)], rows)
        headers, _rows = self.run_command('metering sink list', '--long')
        self.assertEqual(('Options', 'Filters', 'Secrets'), headers[-3:])

    def test_delete_goes_on_after_a_failure(self):
        self.client.sinks.create(**self.file_sink('archive'))
        error = self.assertRaises(
            exceptions.CommandError, self.run_command,
            'metering sink delete', 'nope', 'archive')
        self.assertEqual('1 of 2 sinks failed to delete.', str(error))
        self.assertEqual([], self.client.sinks.list())


class ColumnsTest(tests_base.TestCase):

    def test_periods_name_what_changed(self):
        periods = [
            {'started_at': '2026-01-01T00:00:00Z',
             'ended_at': '2026-01-01T02:00:00Z', 'project_id': 'p',
             'state': 'active', 'provenance': 'notification',
             'uncertainty_seconds': 0,
             'attributes': {'flavor_name': 'm1.small', 'vcpus': 1}},
            {'started_at': '2026-01-01T02:00:00Z', 'ended_at': None,
             'project_id': 'p', 'state': 'active',
             'provenance': 'reconciliation', 'uncertainty_seconds': 300,
             'attributes': {'flavor_name': 'm1.large', 'vcpus': 4}}]
        column = resources.PeriodsColumn(
            periods, {'flavor_name': 'm1.large', 'vcpus': 4})
        self.assertEqual(
            '2026-01-01T00:00:00Z to 2026-01-01T02:00:00Z, project_id=p, '
            'state=active, provenance=notification, uncertainty_seconds=0, '
            'flavor_name=m1.small, vcpus=1\n'
            '2026-01-01T02:00:00Z to now, project_id=p, state=active, '
            'provenance=reconciliation, uncertainty_seconds=300',
            column.human_readable())
        self.assertEqual(periods, column.machine_readable())


class PluginTest(base.ClientTestCase):

    def manager(self, version='1', **config):
        return types.SimpleNamespace(
            _api_version={'metering': version}, setup_auth=lambda: None,
            session=ks_session.Session(additional_headers=base.ADMIN),
            interface='public', region_name='RegionOne',
            get_configuration=lambda: config)

    def test_api_version_option(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_METERING_API_VERSION', '2'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual('2', parser.parse_args([]).os_metering_api_version)
        self.assertEqual('1', parser.parse_args(
            ['--os-metering-api-version', '1']).os_metering_api_version)

    def test_make_client(self):
        metering = plugin.make_client(self.manager(
            usage_metering_endpoint_override=self.url))
        self.assertEqual({'services', 'reconciliation', 'windows',
                          'engine_lag_seconds', 'quarantine',
                          'stalled_meters', 'parked_groups', 'throttling'},
                         set(metering.status.get()))
        error = self.assertRaises(exceptions.UnsupportedVersion,
                                  plugin.make_client, self.manager('2'))
        self.assertEqual('Metering API version 2 is not supported; '
                         'supported: 1.', str(error))
