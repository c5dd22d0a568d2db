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
"""The API on a real HTTP server, behind a real Keystone.

One Keystone per test process (keystone.get) and one API server per test
class; each class gets its own SQLite store, seeded through the real
pipeline from nova's notification samples.
"""

import datetime
import os
import shutil
import tempfile
import threading
import unittest
from wsgiref import simple_server

from cryptography import fernet
import requests

from scs_metering.agent import converter
from scs_metering.api import app
from scs_metering.command import api as cmd_api
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import replay
from scs_metering import service
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional.api import keystone
from scs_metering.tests.functional import base

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
# Identities of the RBAC matrix: a Keystone user (system-* with a
# system-scoped token), or none, or a forged token.
IDENTITIES = ('admin', 'alpha-member', 'alpha-reader', 'beta-reader',
              'system-admin', 'system-reader', 'no-token', 'bad-token')
BAD_TOKEN = 'gAAAAABnot-a-real-token-at-all'


class APITestCase(base.FunctionalTestCase):

    # Extra [section] option = value lines of the API's configuration.
    extra_config = ''
    # Where the API's store lives: sqlite, or a server of base.SERVICES.
    backend = 'sqlite'
    # [keystone_authtoken] options that differ from the test Keystone's.
    authtoken_overrides = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keystone = base.started(keystone.get, keystone.Unavailable)
        cls.dir = tempfile.mkdtemp(prefix='scs-api-')
        cls.database_url = 'sqlite:///%s/api.sqlite' % cls.dir
        if cls.backend != 'sqlite':
            cls.database_url, cls.drop_database = cls._server_database()
        cls.secret_key = fernet.Fernet.generate_key().decode()
        cls.api_conf = service.new_conf()
        cls.api_conf(['--config-file', cls._write_config()],
                     project='scs-metering', default_config_files=[],
                     default_config_dirs=[])
        cls.storage = db_api.get_connection(cls.api_conf)
        cls.storage.upgrade()
        cls.seed()
        cls.server = simple_server.make_server(
            '127.0.0.1', 0, app.build_wsgi_app(
                cls.api_conf, cls.storage,
                retry_quarantined=replay.retry_quarantined),
            server_class=cmd_api._Server, handler_class=cmd_api._Handler)
        cls.url = 'http://127.0.0.1:%d' % cls.server.server_port
        cls.thread = threading.Thread(target=cls.server.serve_forever,
                                      daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.storage.dispose()
        if cls.backend != 'sqlite':
            cls.drop_database()
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def _server_database(cls):
        if not base.reachable(cls.backend):
            message = '%s is not reachable' % cls.backend
            if base.IN_CI:
                raise AssertionError(message + ' (CI=true)')
            raise unittest.SkipTest(message)
        return base.create_database(cls.backend)

    @classmethod
    def _write_config(cls):
        path = os.path.join(cls.dir, 'scs-metering.conf')
        authtoken = '\n'.join('%s = %s' % item for item in sorted(dict(
            cls.keystone.authtoken_options(),
            **cls.authtoken_overrides).items()))
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nstate_path = {d}\n'
                    '[database]\nconnection = {db}\n'
                    '[api]\nauth_strategy = keystone\n'
                    '[publisher]\nsecret_keys = {key}\n'
                    '[keystone_authtoken]\n{authtoken}\n{extra}\n'.format(
                        d=cls.dir, db=cls.database_url,
                        key=cls.secret_key, authtoken=authtoken,
                        extra=cls.extra_config))
        return path

    @classmethod
    def project(cls, name):
        return cls.keystone.project_ids[name]

    @classmethod
    def seed(cls):
        """A server in alpha and one in beta, three hours of usage each."""
        definitions = loader.load_files(loader.shipped_files())
        convert = converter.Converter(definitions)
        found = []
        for vm, project in (('vm-alpha', 'alpha'), ('vm-beta', 'beta')):
            outcome = convert.convert('nova', fx.instance(
                'instance-create-end', vm, cls.project(project), 'u-1',
                START, launched_at=START, created_at=START))
            found.extend(outcome.events)
        ingest.Ingestor(cls.storage).store(found)
        windows.WindowCloser(cls.storage, definitions).run(
            until=START + 3 * HOUR)

    def request(self, method, path, identity='admin', **kwargs):
        headers = kwargs.pop('headers', {})
        if identity == 'bad-token':
            headers['X-Auth-Token'] = BAD_TOKEN
        elif identity != 'no-token':
            headers['X-Auth-Token'] = self.keystone.token(identity)
        return requests.request(method, self.url + path, headers=headers,
                                timeout=60, **kwargs)

    def file_sink(self, name, **extra):
        return dict({'name': name, 'driver': 'file',
                     'url': 'file://%s/%s.jsonl' % (self.dir, name)},
                    **extra)

    def create_sink(self, name, **extra):
        response = self.request('POST', '/v1/sinks',
                                json=self.file_sink(name, **extra))
        self.assertEqual(201, response.status_code, response.text)
        return response.json()
