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
"""Sink secrets are writable, stored encrypted, and never shown.

Every sink endpoint is called, with good and bad bodies, while every log
line of the process is captured; then the secret values are looked for
in every response (body and headers), every log line, and the stored
row.
"""

import logging

import fixtures
import sqlalchemy as sa

from scs_metering.db.sqlalchemy import models
from scs_metering.publisher import secrets as sink_secrets
from scs_metering.tests.functional.api import base

SECRETS = {'password': 'pw-SECRET-0xB2', 'hmac_key': 'hmac-SECRET-0xA1'}
NEW_PASSWORD = 'pw2-SECRET-0xD4'
URL_PASSWORD = 'url-SECRET-0xE5'
ALL = list(SECRETS.values()) + [NEW_PASSWORD, URL_PASSWORD]


class SecretsTest(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(name)s %(message)s'))
        self.responses = []

    def call(self, method, path, **kwargs):
        response = self.request(method, path, **kwargs)
        self.responses.append(response)
        return response

    def webhook(self, name, **extra):
        return dict({
            'name': name, 'driver': 'https',
            'url': 'https://billing.example.com/usage',
            'options': {'auth': 'basic', 'username': 'metering'},
            'secrets': dict(SECRETS)}, **extra)

    def test_secrets_never_leave(self):
        created = self.call('POST', '/v1/sinks', json=self.webhook('erp'))
        self.assertEqual(201, created.status_code, created.text)
        sink = created.json()
        self.assertEqual({'password': '******', 'hmac_key': '******'},
                         sink['secrets'])
        path = '/v1/sinks/%s' % sink['id']
        self.call('GET', '/v1/sinks')
        self.call('GET', path)
        self.assertEqual(200, self.call('PATCH', path, json={
            'filters': {'meters': ['instance']}}).status_code)
        self.assertEqual(200, self.call('PATCH', path, json={
            'secrets': {'password': NEW_PASSWORD}}).status_code)
        for action in ('pause', 'resume', 'retry'):
            self.call('POST', '%s/%s' % (path, action))
        self.call('POST', path + '/replay', json={
            'start': '2026-01-01T00:00:00Z', 'end': '2026-01-02T00:00:00Z'})
        self.call('GET', path + '/status')
        self.call('GET', path + '/dead-letters')
        # Bad bodies that carry secrets: none is echoed in the error.
        bad = [
            dict(self.webhook('erp')),  # duplicate name
            self.webhook('x', driver='nope'),
            self.webhook('y', secrets={'password': NEW_PASSWORD * 1000}),
            self.webhook('z', secrets={'password': [NEW_PASSWORD]}),
            self.webhook('w', url='https://user:%s@billing.example.com/' %
                         URL_PASSWORD),
            self.webhook('v', url='http://169.254.169.254/?k=%s' %
                         URL_PASSWORD),
        ]
        for body in bad:
            response = self.call('POST', '/v1/sinks', json=body)
            self.assertIn(response.status_code, (400, 409), response.text)
        self.call('PATCH', path, json={'secrets': {'password': 5},
                                       'name': NEW_PASSWORD})
        self.call('POST', '/v1/sinks', data='{"secrets": {"password": "%s"'
                  % NEW_PASSWORD, headers={'Content-Type':
                                           'application/json'})

        # Stored encrypted, and decrypting gives the latest values.
        with self.storage._reader() as session:
            stored = session.scalar(sa.select(models.Sink.secrets).where(
                models.Sink.id == sink['id']))
        for value in ALL:
            self.assertNotIn(value, stored)
        self.assertEqual(dict(SECRETS, password=NEW_PASSWORD),
                         sink_secrets.decrypt(self.api_conf, stored))

        self.assertEqual(204, self.call('DELETE', path).status_code)
        self.assertGreater(len(self.responses), 15)
        for response in self.responses:
            shown = response.text + repr(dict(response.headers))
            for value in ALL:
                self.assertNotIn(value, shown, response.request.url)
        logged = self.log.output
        self.assertIn('/v1/sinks', logged)
        for value in ALL:
            self.assertNotIn(value, logged)
