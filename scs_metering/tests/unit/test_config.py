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
"""A bad configuration stops start-up with a message naming the option."""

import os
import subprocess

from scs_metering import service
from scs_metering.tests import base

PREFIX = 'scs-metering: configuration error: '


class PrepareServiceTest(base.TestCase):

    def prepare(self, text):
        path = self.write_file('scs-metering.conf', text)
        return service.prepare_service(['scs-metering-engine',
                                        '--config-file', path])

    def error(self, text):
        """The message start-up exits with."""
        error = self.assertRaises(SystemExit, self.prepare, text)
        self.assertIsInstance(error.code, str)
        self.assertTrue(error.code.startswith(PREFIX), error.code)
        return error.code[len(PREFIX):]

    def test_good_file(self):
        conf = self.prepare('[agent]\nworkers = 3\n'
                            '[engine]\nbatch_size = 16\n')
        self.assertEqual((3, 16), (conf.agent.workers,
                                   conf.engine.batch_size))

    def test_unparsable_file(self):
        message = self.error('[agent\nworkers = 2\n')
        self.assertIn('Failed to parse %s' % os.path.join(
            self.tempdir, 'scs-metering.conf'), message)

    def test_line_without_assignment(self):
        message = self.error('[agent]\nworkers two\n')
        self.assertIn("No ':' or '=' found in assignment: 'workers two'",
                      message)

    def test_missing_file(self):
        missing = os.path.join(self.tempdir, 'missing.conf')
        error = self.assertRaises(SystemExit, service.prepare_service,
                                  ['scs-metering-agent', '--config-file',
                                   missing])
        self.assertEqual(PREFIX + 'Failed to find some config files: %s' %
                         missing, error.code)

    def test_not_an_integer(self):
        message = self.error('[agent]\nworkers = abc\n')
        self.assertTrue(message.startswith('[agent] workers: '), message)
        self.assertIn("invalid literal for int() with base 10: 'abc'",
                      message)

    def test_below_minimum(self):
        message = self.error('[engine]\nbatch_size = 0\n')
        self.assertTrue(message.startswith('[engine] batch_size: '),
                        message)
        self.assertIn('Should be greater than or equal to 1', message)

    def test_not_a_float(self):
        message = self.error('[agent]\nbatch_timeout = soon\n')
        self.assertTrue(message.startswith('[agent] batch_timeout: '),
                        message)

    def test_not_a_choice(self):
        message = self.error('[api]\nauth_strategy = trust-me\n')
        self.assertTrue(message.startswith('[api] auth_strategy: '),
                        message)
        self.assertIn("but found 'trust-me'", message)

    def test_library_options_are_checked_too(self):
        message = self.error('[oslo_messaging_rabbit]\n'
                             'amqp_durable_queues = maybe\n')
        self.assertTrue(message.startswith(
            '[oslo_messaging_rabbit] amqp_durable_queues: '), message)
        message = self.error('[database]\nmax_pool_size = x\n')
        self.assertTrue(message.startswith('[database] max_pool_size: '),
                        message)

    def test_bad_default_section_option(self):
        message = self.error('[DEFAULT]\nrpc_response_timeout = never\n')
        self.assertTrue(message.startswith(
            '[DEFAULT] rpc_response_timeout: '), message)


class CommandLineTest(base.TestCase):
    """The real console scripts, as an operator starts them."""

    def run_script(self, name, text, *args):
        path = self.write_file('bad.conf', text)
        script = base.console_script(name)
        self.assertIsNotNone(script, '%s is not installed' % name)
        return subprocess.run([script, '--config-file', path] + list(args),
                              capture_output=True, text=True, timeout=60,
                              cwd=self.tempdir)

    def test_engine_bad_value(self):
        done = self.run_script('scs-metering-engine',
                               '[engine]\nbatch_size = 0\n')
        self.assertEqual(1, done.returncode, done.stderr)
        self.assertIn(PREFIX + '[engine] batch_size: ', done.stderr)
        self.assertIn('Should be greater than or equal to 1', done.stderr)
        self.assertNotIn('Traceback', done.stderr)
        self.assertEqual('', done.stdout)

    def test_agent_bad_value(self):
        done = self.run_script('scs-metering-agent',
                               '[agent]\nworkers = abc\n')
        self.assertEqual(1, done.returncode, done.stderr)
        self.assertIn(PREFIX + '[agent] workers: ', done.stderr)
        self.assertIn("'abc'", done.stderr)
        self.assertNotIn('Traceback', done.stderr)

    def test_engine_unparsable_file(self):
        done = self.run_script('scs-metering-engine', '[engine\nx = 1\n')
        self.assertEqual(1, done.returncode, done.stderr)
        self.assertIn(PREFIX + 'Failed to parse ', done.stderr)
        self.assertNotIn('Traceback', done.stderr)

    def test_bad_logging_option(self):
        # oslo.config checks options that are also command-line arguments
        # itself, and names them as arguments.
        done = self.run_script('scs-metering-engine',
                               '[DEFAULT]\ndebug = maybe\n')
        self.assertEqual(1, done.returncode, done.stderr)
        self.assertIn('argument --debug: Invalid Boolean value: maybe',
                      done.stderr)

    def test_manage_bad_value(self):
        done = self.run_script('scs-metering-manage',
                               '[database]\nmax_pool_size = x\n', 'db',
                               'version')
        self.assertEqual(1, done.returncode, done.stderr)
        self.assertIn(PREFIX + '[database] max_pool_size: ', done.stderr)
