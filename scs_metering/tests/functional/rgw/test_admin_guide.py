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
"""The admin guide's RGW section, followed literally against radosgw."""

import configparser
import os
import shlex

from scs_metering.reconcile import rgw_client
from scs_metering.tests.functional.rgw import base

GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'doc', 'source', 'admin', 'rgw.rst')
# Settings the tests choose apart from the guide: flush at once, and this
# run's Keystone.
OWN = {'rgw_usage_log_tick_interval', 'rgw_usage_log_flush_threshold',
       'rgw_keystone_url', 'rgw_keystone_admin_password'}


def _block(marker):
    """The lines of the first literal block after ``marker``, dedented."""
    with open(GUIDE) as f:
        lines = f.read().split(marker, 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if line and not line.startswith(' '):
            break
        block.append(line[3:])
    return '\n'.join(block).strip()


class TestAdminGuide(base.RGWTestCase):

    def test_settings_are_those_the_tests_run(self):
        guide = configparser.RawConfigParser()
        guide.read_string(_block('.. code-block:: ini'))
        ours = configparser.RawConfigParser()
        ours.read(self.ceph.conf)
        wanted = dict(guide['client.rgw.gateway'])
        running = dict(ours['client.rgw.a'])
        self.assertIn('rgw_enable_usage_log', wanted)
        for name, value in sorted(wanted.items()):
            with self.subTest(option=name):
                self.assertIn(name, running)
                if name not in OWN:
                    self.assertEqual(value, running[name])

    def test_admin_user_command_makes_a_working_reader(self):
        command = _block('.. code-block:: console').lstrip('# ')
        argv = shlex.split(command.replace('\\\n', ' '))
        self.assertEqual('radosgw-admin', argv[0])
        uid = argv.index('--uid') + 1
        argv[uid] = '%s-%s' % (argv[uid], self.tag)
        made = self.ceph.radosgw_admin(*argv[1:])
        key = made['keys'][0]
        reader = rgw_client.AdminClient(self.ceph.endpoint,
                                        key['access_key'], key['secret_key'])
        self.addCleanup(reader.close)
        self.assertIsInstance(reader.usage(), dict)
        self.assertIsInstance(reader.buckets(), list)
        self.assertIn(argv[uid], list(reader.user_ids()))
        # Read only: trimming is refused.
        self.assertRaises(rgw_client.PermissionDenied, reader.trim_usage,
                          uid='nobody')
