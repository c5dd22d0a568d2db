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

import os
import socket
import subprocess

from oslo_upgradecheck import upgradecheck

from scs_metering.command import status
from scs_metering.db import api as db_api
from scs_metering.publisher import manager
from scs_metering.tests import base

Code = upgradecheck.Code


class _Driver:
    """A driver that checks its sink itself."""

    def __init__(self, error=None):
        self.error = error

    def check(self):
        if self.error:
            raise RuntimeError(self.error)


class TestReachable(base.TestCase):

    def test_file_sink_in_a_writable_directory(self):
        self.assertIsNone(status.reachable(
            None, 'file://%s/not/yet/usage.jsonl' % self.tempdir))

    def test_file_sink_below_a_file(self):
        blocker = self.write_file('blocker', '')
        self.assertEqual('%s is not a directory' % blocker, status.reachable(
            None, 'file://%s/usage.jsonl' % blocker))

    def test_network_sink_listening(self):
        server = socket.create_server(('127.0.0.1', 0))
        self.addCleanup(server.close)
        url = 'http://127.0.0.1:%d/usage' % server.getsockname()[1]
        self.assertIsNone(status.reachable(None, url))

    def test_network_sink_not_listening(self):
        server = socket.create_server(('127.0.0.1', 0))
        port = server.getsockname()[1]
        server.close()
        problem = status.reachable(None, 'http://127.0.0.1:%d/' % port)
        self.assertIn('cannot connect to 127.0.0.1:%d' % port, problem)

    def test_driver_check_wins(self):
        self.assertIsNone(status.reachable(_Driver(), 'http://nowhere:1/'))
        self.assertEqual('401 from the sink', status.reachable(
            _Driver('401 from the sink'), 'file:///tmp/x'))


class TestChecks(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.checks = status.Checks(self.conf)

    def run_check(self, name):
        for title, check in self.checks._upgrade_checks:
            if title == name:
                return check(self.checks)
        raise KeyError(name)

    def test_database_at_head(self):
        result = self.run_check('Database schema')
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_database_not_upgraded(self):
        url = 'sqlite:///%s' % os.path.join(self.tempdir, 'empty.sqlite')
        self.config('database', connection=url)
        result = self.run_check('Database schema')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('scs-metering-manage db upgrade', result.details)

    def test_definitions(self):
        result = self.run_check('Definitions')
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn('nova', result.details)

    def test_broken_definitions(self):
        path = self.write_file('extra.yaml', 'meters: [not, a, mapping]\n')
        self.config('meters', definition_files=[path])
        result = self.run_check('Definitions')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('extra.yaml', result.details)

    def test_no_sink(self):
        self.assertEqual(Code.WARNING, self.run_check('Sinks').code)

    def test_file_sink(self):
        manager.put(self.connection, {
            'name': 'billing', 'driver': 'file',
            'url': 'file://%s/out/usage.jsonl' % self.tempdir})
        result = self.run_check('Sinks')
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_unreachable_sink_from_sinks_file(self):
        blocker = self.write_file('blocker', '')
        path = self.write_file('sinks.yaml', (
            'sinks:\n'
            '  - name: export\n'
            '    driver: file\n'
            '    url: file://%s/usage.jsonl\n') % blocker)
        self.config('publisher', sinks_file=path)
        result = self.run_check('Sinks')
        self.assertEqual(Code.WARNING, result.code)
        self.assertIn('export: %s is not a directory' % blocker,
                      result.details)

    def test_unknown_sink_driver(self):
        path = self.write_file('sinks.yaml', (
            'sinks:\n'
            '  - name: export\n'
            '    driver: carrier-pigeon\n'))
        self.config('publisher', sinks_file=path)
        result = self.run_check('Sinks')
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('carrier-pigeon', result.details)


class TestCommand(base.TestCase):
    """The installed command, as an operator runs it."""

    def run_command(self, database):
        config = self.write_file('scs-metering.conf', (
            # No RabbitMQ: the host's broker and rabbitmqctl stay out.
            '[DEFAULT]\nstate_path = %s\ntransport_url = fake://\n'
            '[database]\nconnection = %s\n') % (
            self.tempdir, database))
        return subprocess.run(
            [base.console_script('scs-metering-status'), '--config-file',
             config, 'upgrade', 'check'], capture_output=True, text=True,
            timeout=120)

    def test_fails_before_db_upgrade(self):
        done = self.run_command('sqlite:///%s/new.sqlite' % self.tempdir)
        self.assertEqual(2, done.returncode, done.stderr)
        self.assertIn('Database schema', done.stdout)
        self.assertIn('Failure', done.stdout)

    def test_warns_without_a_sink(self):
        url = 'sqlite:///%s/ready.sqlite' % self.tempdir
        self.config('database', connection=url)
        connection = db_api.get_connection(self.conf)
        connection.upgrade()
        connection.dispose()
        done = self.run_command(url)
        self.assertEqual(1, done.returncode, done.stdout + done.stderr)
        self.assertIn('No sink is defined', done.stdout)
