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
"""Client input never gets a 5xx: bad bytes, deep bodies, unknown keys.

The store is PostgreSQL, which refuses a NUL in any string; tokens are
checked by the real Keystone.
"""

from scs_metering.tests.functional.api import base
from scs_metering.tests.functional.api import keystone

NUL_PATHS = (
    '/v1/usage?meter=a%00b',
    '/v1/usage?project_id=a%00b',
    '/v1/resources?resource_type=a%00b',
    '/v1/resources?marker=instance:a%00b',
    '/v1/resources/instance/a%00b',
    '/v1/resources/instance/a%0Ab',
    '/v1/sinks/a%00b',
    '/v1/sinks?marker=a%00b',
)


def nested(levels):
    return '[' * levels + ']' * levels


class InputTest(base.APITestCase):

    backend = 'postgresql'

    def assertError(self, status, response, words=''):
        self.assertEqual(status, response.status_code, response.text)
        self.assertEqual('application/json', response.headers[
            'Content-Type'].split(';')[0])
        self.assertIn(words, response.json()['error']['message'])

    def test_nul_and_controls_get_400(self):
        for path in NUL_PATHS:
            with self.subTest(path=path):
                self.assertError(400, self.request('GET', path),
                                 'control character')

    def test_invalid_utf8_gets_400(self):
        self.assertError(400, self.request('GET', '/v1/usage?meter=%FF'),
                         'not valid UTF-8')
        self.assertError(400, self.request('GET', '/v1/sinks/%FF%FE'),
                         'not valid UTF-8')

    def test_deep_body_gets_400(self):
        for levels in (33, 30000):
            with self.subTest(levels=levels):
                self.assertError(400, self.request(
                    'POST', '/v1/sinks', data=nested(levels),
                    headers={'Content-Type': 'application/json'}),
                    'nested deeper than 32 levels')
        sink = self.create_sink('deep')
        self.assertError(400, self.request(
            'PATCH', '/v1/sinks/%s' % sink['id'],
            data='{"options": %s}' % nested(5000),
            headers={'Content-Type': 'application/merge-patch+json'}),
            'nested deeper')

    def test_policy_before_body(self):
        sink = self.create_sink('guarded')
        for method, path in (('POST', '/v1/sinks'),
                             ('PATCH', '/v1/sinks/%s' % sink['id']),
                             ('POST', '/v1/sinks/%s/replay' % sink['id'])):
            with self.subTest(method=method, path=path):
                self.assertError(403, self.request(
                    method, path, 'alpha-member', data=nested(30000),
                    headers={'Content-Type': 'application/json'}))

    def test_unknown_group_by_gets_400(self):
        self.assertError(400, self.request(
            'GET', '/v1/usage?group_by=flavor_name&group_by=no_such_key'),
            'no_such_key is not a key records are grouped by')
        self.assertEqual(200, self.request(
            'GET', '/v1/usage?group_by=flavor_name&group_by=project_id'
        ).status_code)

    def test_times_echoed_in_iso_8601(self):
        report = self.request(
            'GET', '/v1/usage?start=0001-01-01&end=9999-12-31T23:59:59Z'
            '&project_id=' + self.project('alpha'))
        self.assertEqual(200, report.status_code, report.text)
        self.assertEqual('0001-01-01T00:00:00Z', report.json()['start'])
        self.assertEqual('9999-12-31T23:59:59Z', report.json()['end'])
        self.assertEqual('10800', report.json()['usage'][0]['quantity'])

    def test_long_query_gets_414(self):
        query = '&'.join('meter=m%05d' % i for i in range(2000))
        self.assertError(414, self.request('GET', '/v1/usage?' + query),
                         'longer than 16384 bytes')


class KeystoneDownTest(base.APITestCase):
    """Keystone cannot be reached: 503, in JSON like every other error."""

    @classmethod
    def setUpClass(cls):
        dead = 'http://127.0.0.1:%d/v3' % keystone.free_port()
        cls.authtoken_overrides = {
            'auth_url': dead, 'www_authenticate_uri': dead,
            'http_request_max_retries': 0}
        super().setUpClass()

    @classmethod
    def seed(cls):
        pass

    def test_503_in_json(self):
        response = self.request('GET', '/v1/status')
        self.assertEqual(503, response.status_code, response.text)
        self.assertEqual('application/json', response.headers[
            'Content-Type'].split(';')[0])
        self.assertEqual({'code': 503, 'title': 'Service Unavailable',
                          'message': 'The Keystone service is temporarily '
                                     'unavailable.'},
                         response.json()['error'])
