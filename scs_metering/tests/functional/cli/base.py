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
"""The real ``openstack`` command against the API and a real Keystone.

The API of api.base.APITestCase is registered in the Keystone's catalog
under its service type, and the ``openstack`` command of
python-openstackclient runs as a subprocess with the usual OS_*
environment, as an operator would run it.
"""

import json
import os
import subprocess
import unittest

from scs_metering.agent import converter
from scs_metering.definitions import loader
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.tests import base as tests_base
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional.api import base as api_base
from scs_metering.tests.functional.api import keystone
from scs_metering.tests.functional import base
from scsmeteringclient.v1 import base as client_base

LARGE = ('m1.large', '4', 4, 8192, 80)


class CLITestCase(api_base.APITestCase):

    @classmethod
    def setUpClass(cls):
        cls.openstack_bin = tests_base.console_script('openstack')
        if cls.openstack_bin is None:
            message = 'python-openstackclient is not installed'
            if base.IN_CI:
                raise RuntimeError(message)
            raise unittest.SkipTest(message)
        super().setUpClass()
        # The catalog entry an operator makes, pointing at this API.
        admin = cls.keystone.session()
        service = admin.post(cls.keystone.url + '/services', json={
            'service': {'type': client_base.SERVICE_TYPE,
                        'name': 'scs-metering'}}).json()['service']
        cls.addClassCleanup(admin.delete, '%s/services/%s' % (
            cls.keystone.url, service['id']))
        admin.post(cls.keystone.url + '/endpoints', json={'endpoint': {
            'service_id': service['id'], 'interface': 'public',
            'region_id': 'RegionOne', 'url': cls.url}})

    @classmethod
    def seed(cls):
        super().seed()
        # A second server of alpha, larger and an hour younger.
        start = api_base.START + api_base.HOUR
        definitions = loader.load_files(loader.shipped_files())
        outcome = converter.Converter(definitions).convert('nova', fx.instance(
            'instance-create-end', 'vm-alpha-2', cls.project('alpha'), 'u-1',
            start, launched_at=start, created_at=start,
            flavor=fx.flavor(*LARGE)))
        ingest.Ingestor(cls.storage).store(outcome.events)
        windows.WindowCloser(cls.storage, definitions).run(
            until=api_base.START + 3 * api_base.HOUR)

    @classmethod
    def environment(cls, user='admin'):
        """The OS_* variables of a user, and nothing of the test runner's."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_') and k != 'PYTHONWARNINGS'}
        admin = user == 'admin'
        env.update(
            OS_AUTH_URL=cls.keystone.url, OS_AUTH_TYPE='password',
            OS_IDENTITY_API_VERSION='3', OS_USERNAME=user,
            OS_PASSWORD=(keystone.ADMIN_PASSWORD if admin
                         else keystone.PASSWORD),
            OS_PROJECT_NAME='admin' if admin else keystone.USERS[user][0],
            OS_USER_DOMAIN_ID='default', OS_PROJECT_DOMAIN_ID='default',
            OS_REGION_NAME='RegionOne', OS_INTERFACE='public')
        return env

    def setUp(self):
        super().setUp()
        # All that the commands printed, to look for secrets in.
        self.outputs = []

    def openstack(self, *args, user='admin', status=0, stdin=None):
        """Run ``openstack ARGS``; check its exit status."""
        result = subprocess.run(
            [self.openstack_bin] + list(args), env=self.environment(user),
            input=stdin, capture_output=True, text=True, timeout=120)
        self.outputs.append(result.stdout + result.stderr)
        self.assertEqual(status, result.returncode,
                         'openstack %s\nstdout: %s\nstderr: %s' % (
                             ' '.join(args), result.stdout, result.stderr))
        return result

    def json(self, *args, user='admin'):
        return json.loads(self.openstack(*args, '-f', 'json',
                                         user=user).stdout)
