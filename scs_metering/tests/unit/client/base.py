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
"""The API on a loopback HTTP server, for the client to talk to.

The API runs with ``auth_strategy = noauth``: the identity headers a
client sends are trusted, so each test chooses its caller's roles without
a Keystone (the functional tests have the real one).
"""

import threading
from wsgiref import simple_server

from cryptography import fernet
from keystoneauth1 import session as ks_session

from scs_metering.api import app
from scs_metering.command import api as cmd_api
from scs_metering import replay
from scs_metering.tests import base
from scsmeteringclient.v1 import client

ADMIN = {'X-Project-Id': 'p-admin', 'X-Roles': 'admin,member,reader'}
READER = {'X-Project-Id': 'p-alpha', 'X-Roles': 'reader'}


def serve(wsgi_app):
    """Serve ``wsgi_app`` on a free loopback port; return the server."""
    server = simple_server.make_server(
        '127.0.0.1', 0, wsgi_app, server_class=cmd_api._Server,
        handler_class=simple_server.WSGIRequestHandler)
    server.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class ClientTestCase(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.config('api', auth_strategy='noauth')
        self.config('publisher',
                    secret_keys=[fernet.Fernet.generate_key().decode()])
        self.server = serve(app.build_wsgi_app(
            self.conf, self.connection,
            retry_quarantined=replay.retry_quarantined))
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = 'http://127.0.0.1:%d' % self.server.server_port
        self.client = self.make_client()

    def make_client(self, identity=ADMIN):
        session = ks_session.Session()
        self.addCleanup(session.session.close)
        return client.Client(session, endpoint_override=self.url,
                             additional_headers=identity)

    def file_sink(self, name, **extra):
        return dict(name=name, driver='file',
                    url='file://%s/%s.jsonl' % (self.tempdir, name), **extra)
