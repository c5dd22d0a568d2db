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
"""The install guide, as tools/install-guide-check reads and replays it.

The text checks are quick: the guide's configuration file is held against
the project's options, and every block is one the check knows. The
replay is the check itself with 20 CLI calls instead of 100 (tox -e
install-guide runs all of them); it needs root, and takes minutes.
"""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys

from scs_metering.tests.functional import base
from scs_metering.tests.functional import deploy
from scsmeteringclient.v1 import base as client_base

TOOLS = os.path.join(deploy.REPO, 'tools')
sys.path.insert(0, TOOLS)
import guide_replay  # noqa: E402


def load_check():
    """tools/install-guide-check as a module (it has no .py suffix)."""
    path = os.path.join(TOOLS, 'install-guide-check')
    loader = importlib.machinery.SourceFileLoader('install_guide_check',
                                                  path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class TestGuideText(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.check = load_check()
        self.blocks = guide_replay.blocks(self.check.GUIDE)

    def test_every_block_is_replayed_or_said_why_not(self):
        for block in self.blocks:
            if block.caption:
                self.assertTrue(block.caption.startswith('/') or
                                block.caption in self.check.NOT_RUN,
                                block.caption)
            else:
                self.assertEqual('console', block.language, block.line)
        self.assertIn('$ openstack metering sink list', [
            c.prompt + ' ' + c.text for b in self.blocks
            if b.language == 'console' for c in guide_replay.commands(b)])

    def test_configuration_file_is_what_the_services_accept(self):
        text = [b.text for b in self.blocks if b.caption ==
                '/etc/scs-metering/scs-metering.conf'][0]
        values = [('FERNET_KEY', 'x' * 43 + '='), ('controller', 'h')]
        path = self.write_file('scs-metering.conf', guide_replay.substitute(
            text, values, set()))
        self.assertEqual([], deploy.unknown_options(path))
        self.assertIsNone(deploy.bad_values(path))
        conf = deploy.read_ini(path)
        # The first sink with an HMAC key needs secret_keys; an existing
        # cloud is billed from metering_start.
        self.assertIn('secret_keys', conf['publisher'])
        self.assertIn('metering_start', conf['engine'])

    def test_the_cli_finds_the_registered_service_type(self):
        commands = [c.text for b in self.blocks if b.language == 'console'
                    for c in guide_replay.commands(b)]
        registered = [c.split()[-1] for c in commands
                      if c.startswith('openstack service create')]
        self.assertEqual([client_base.SERVICE_TYPE], registered)
        self.assertTrue([c for c in commands if c.startswith(
            'openstack project create') and c.endswith(' service')])


class TestGuideReplay(base.FunctionalTestCase):

    # Minutes: a clean virtualenv, Keystone, every step, 20 CLI calls.
    TIMEOUT_SCALING_FACTOR = 4

    def test_replay(self):
        if os.geteuid() != 0:
            message = 'tools/install-guide-check needs root'
            if base.IN_CI:
                self.fail(message)
            self.skipTest(message)
        check = subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, 'install-guide-check'),
             '--cli-calls', '20'], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = check.communicate(timeout=2000)
        finally:
            if check.poll() is None:
                check.terminate()  # it cleans the host up on SIGTERM
                output, _ = check.communicate(timeout=300)
        self.assertEqual(0, check.returncode, output)
        self.assertIn('install guide check passed', output)
