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
"""The commands print nothing on stderr that an operator did not cause.

With cryptography 51 or newer, importing dnspython (eventlet imports it,
and futurist imports eventlet) printed four CryptographyDeprecationWarnings
about DSA, eight lines, before every command's own output.
"""

import importlib.metadata
import os
import subprocess

from scs_metering.tests import base


def console_scripts():
    return sorted(ep.name for ep in importlib.metadata.distribution(
        'scs-metering').entry_points if ep.group == 'console_scripts')


class CommandStderrTest(base.TestCase):

    def test_every_command_has_a_clean_stderr(self):
        # As an operator runs them: no PYTHONWARNINGS from tox.
        env = {k: v for k, v in os.environ.items()
               if k != 'PYTHONWARNINGS'}
        names = console_scripts()
        self.assertIn('scs-metering-engine', names)
        for name in names:
            path = base.console_script(name)
            self.assertIsNotNone(path, '%s is not installed' % name)
            done = subprocess.run([path, '--help'], env=env,
                                  capture_output=True, text=True,
                                  timeout=120)
            self.assertEqual(0, done.returncode, done.stderr)
            self.assertEqual('', done.stderr, name)
