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
"""The Python client against the real API on a loopback HTTP server."""

import datetime
import http.server
import logging

import fixtures
from keystoneauth1 import access
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import access as access_plugin
from keystoneauth1 import session as ks_session

from scs_metering.tests.unit.client import base
from scsmeteringclient import exceptions
from scsmeteringclient.v1 import client

HMAC_KEY = 'hmac-0xC0FFEE-never-logged'


class SinkTest(base.ClientTestCase):

    def test_life_of_a_sink(self):
        sinks = self.client.sinks
        created = sinks.create(**self.file_sink(
            'archive', filters={'kinds': ['usage']},
            options={'batch_size': 10}))
        self.assertEqual('archive', created['name'])
        self.assertEqual('native', created['format'])
        self.assertEqual(created, sinks.get(created['id']))
        self.assertEqual(created, sinks.find('archive'))
        self.assertEqual(created, sinks.find(created['id']))
        self.assertEqual([created], sinks.list())

        # A merge patch: nested entries merge, None removes.
        updated = sinks.update(created['id'], options={'linger': 2},
                               filters={'meters': ['x']})
        self.assertEqual({'batch_size': 10, 'linger': 2},
                         updated['options'])
        self.assertEqual({'kinds': ['usage'], 'meters': ['x']},
                         updated['filters'])
        updated = sinks.update(created['id'], options={'batch_size': None})
        self.assertEqual({'linger': 2}, updated['options'])

        self.assertTrue(sinks.pause(created['id'])['paused'])
        self.assertTrue(sinks.status(created['id'])['paused'])
        self.assertFalse(sinks.resume(created['id'])['paused'])
        replay = sinks.replay(
            created['id'], datetime.datetime(2026, 1, 1),
            datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc))
        self.assertEqual({'sink_id': created['id'],
                          'start': '2026-01-01T00:00:00Z',
                          'end': '2026-01-02T00:00:00Z', 'queued': 0},
                         replay)
        self.assertEqual([], sinks.dead_letters(created['id']))
        self.assertEqual({'sink_id': created['id'], 'retried': 0},
                         sinks.retry(created['id']))
        self.assertEqual({'sink_id': created['id'], 'retried': 0},
                         sinks.retry(created['id'], ids=[1, 2]))
        self.assertIsNone(sinks.delete(created['id']))
        self.assertEqual([], sinks.list())

    def test_secrets_are_masked_and_kept_out_of_the_debug_log(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='keystoneauth', level=logging.DEBUG))
        sink = self.client.sinks.create(
            'hook', 'https', url='https://billing.example.com/usage',
            secrets={'hmac_key': HMAC_KEY})
        self.assertEqual({'hmac_key': '******'}, sink['secrets'])
        self.client.sinks.update(sink['id'],
                                 secrets={'hmac_key': HMAC_KEY + '2'})
        self.client.sinks.get(sink['id'])
        # The log is on: the requests without secrets are in it.
        self.assertIn('GET %s/v1/sinks/%s' % (self.url, sink['id']),
                      log.output)
        self.assertNotIn(HMAC_KEY, log.output)

    def test_find_by_name_when_no_id_matches(self):
        for name in ('a', 'b', 'c'):
            self.client.sinks.create(**self.file_sink(name))
        self.assertEqual('b', self.client.sinks.find('b')['name'])
        error = self.assertRaises(exceptions.NotFound,
                                  self.client.sinks.find, 'd')
        self.assertEqual("No sink with a name or ID of 'd' exists.",
                         error.message)

    def test_lists_follow_the_next_links(self):
        self.config('api', max_limit=2)
        names = ['s%d' % i for i in range(5)]
        for name in names:
            self.client.sinks.create(**self.file_sink(name))
        listed = self.client.sinks.list()
        self.assertEqual(names, [s['name'] for s in listed])
        self.assertEqual(names[:3], [s['name'] for s in
                                     self.client.sinks.list(limit=3)])
        self.assertEqual(names[2:], [s['name'] for s in self.client.sinks.list(
            marker=listed[1]['id'])])


class ErrorTest(base.ClientTestCase):

    def test_not_found(self):
        error = self.assertRaises(exceptions.NotFound,
                                  self.client.sinks.get, 'nope')
        self.assertEqual(404, error.status_code)
        self.assertEqual('id: no sink with id nope', error.message)
        self.assertTrue(error.request_id.startswith('req-'))
        self.assertEqual('id: no sink with id nope (HTTP 404) '
                         '(Request-ID: %s)'
                         % error.request_id, str(error))

    def test_bad_request_names_the_field(self):
        error = self.assertRaises(exceptions.BadRequest,
                                  self.client.sinks.create, 'x', 'file',
                                  filters={'kinds': ['nope']})
        self.assertIn('filters.kinds.0 must be one of', error.message)
        error = self.assertRaises(exceptions.BadRequest,
                                  self.client.usage.get, start='yesterday')
        self.assertEqual('Invalid query parameter start: not an ISO 8601 '
                         'time', error.message)

    def test_conflict(self):
        self.client.sinks.create(**self.file_sink('twice'))
        error = self.assertRaises(exceptions.Conflict,
                                  self.client.sinks.create,
                                  **self.file_sink('twice'))
        self.assertEqual('A sink named twice already exists.', error.message)

    def test_forbidden(self):
        reader = self.make_client(base.READER)
        error = self.assertRaises(exceptions.Forbidden, reader.sinks.list)
        self.assertEqual(403, error.status_code)
        self.assertIn('sink:list', error.message)

    def test_an_answer_that_is_not_the_api(self):
        # A proxy in front of the API answering with its own page.
        class Proxy(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(502)
                self.send_header('Content-Type', 'text/html')
                self.end_headers()
                self.wfile.write(b'<html><title>502 Bad Gateway</title>\n'
                                 b'<body>upstream down</body></html>\n')

            def log_message(self, *args):
                pass

        proxy = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Proxy)
        self.addCleanup(proxy.server_close)
        self.addCleanup(proxy.shutdown)
        base.threading.Thread(target=proxy.serve_forever,
                              daemon=True).start()
        self.url = 'http://127.0.0.1:%d' % proxy.server_port
        error = self.assertRaises(exceptions.ServerError,
                                  self.make_client().status.get)
        self.assertEqual(502, error.status_code)
        self.assertEqual('HTTP 502 Bad Gateway: <html><title>502 Bad '
                         'Gateway</title>', error.message)

    def test_no_endpoint_in_the_catalog(self):
        token = ks_fixture.V3Token(expires=datetime.datetime.now(
            datetime.timezone.utc) + datetime.timedelta(hours=1))
        token.set_project_scope()
        token.add_service('identity').add_standard_endpoints(
            public='http://keystone.example.com/v3', region='RegionOne')
        session = ks_session.Session(auth=access_plugin.AccessInfoPlugin(
            access.create(body=token, auth_token='a-token')))
        metering = client.Client(session, region_name='RegionOne')
        error = self.assertRaises(exceptions.EndpointNotFound,
                                  metering.status.get)
        self.assertEqual(
            'No endpoint of service type usage-metering in the service '
            'catalog (interface public, region RegionOne): register the '
            'metering API in Keystone, or give its URL as the endpoint '
            'override.', str(error))


class ReportTest(base.ClientTestCase):

    def test_usage_parameters(self):
        report = self.client.usage.get(
            project_id='p-alpha', start=datetime.datetime(2026, 1, 1),
            end='2026-02-01T00:00:00Z', meters=['instance', 'volume.size'],
            resource_types=['instance'], group_by=['flavor_name',
                                                   'resource_type'])
        self.assertEqual({'project_id': 'p-alpha',
                          'start': '2026-01-01T00:00:00Z',
                          'end': '2026-02-01T00:00:00Z',
                          'group_by': ['flavor_name', 'resource_type'],
                          'usage': []}, report)
        everything = self.client.usage.get(all_projects=True)
        self.assertIsNone(everything['project_id'])

    def test_resources_and_status(self):
        self.assertEqual([], self.client.resources.list(
            all_projects=True, resource_type='instance', limit=5))
        self.assertRaises(exceptions.NotFound, self.client.resources.get,
                          'instance', 'a/b')
        self.assertEqual(
            {'services', 'reconciliation', 'windows',
             'engine_lag_seconds', 'quarantine', 'stalled_meters',
             'parked_groups', 'throttling'},
            set(self.client.status.get()))
