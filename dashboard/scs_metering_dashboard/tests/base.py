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
"""View tests against the API's recorded answers.

The API is faked at the HTTP boundary: requests_mock answers each request
the panels send with the answer the real API gave to the same request
(recorded/, written by record.py). A request nobody recorded fails the
test, so the tests cannot drift into shapes the API never sent.
"""

import html.parser
import json

from openstack_dashboard.test import helpers
import requests_mock

from scs_metering_dashboard import access
from scs_metering_dashboard.tests import recording

API_URL = 'http://metering.example.com:8789'
CONTEXT = recording.load('context')
# The Keystone roles of each identity, as the recording's Keystone had them
# (member implies reader there, admin implies both).
ROLES = {'admin': ('admin', 'member', 'reader'),
         'member': ('member', 'reader'), 'reader': ('reader',),
         'service': ('service',)}


class Unrecorded(AssertionError):
    """The panels sent a request the real API was never asked."""


class RecordedAPI:
    """Answers requests with the recorded answers of one identity."""

    def __init__(self, identity):
        self.answers = {}
        for exchange in recording.load(identity):
            self.answers.setdefault(json.dumps(exchange['request']),
                                    exchange)
        self.sent = []

    def __call__(self, request, context):
        sent = recording.key(request.method, request.url, request.body)
        self.sent.append(sent)
        exchange = self.answers.get(json.dumps(sent))
        if exchange is None:
            raise Unrecorded('no recorded answer to %s' % (sent,))
        context.status_code = exchange['status']
        if exchange['content_type']:
            context.headers['Content-Type'] = exchange['content_type']
        return exchange['body']

    def posted(self):
        return [sent for sent in self.sent if sent[0] == 'POST']


class TestCase(helpers.TestCase):
    """A Horizon view test as one of the recording's identities."""

    identity = 'alpha-member'

    def setUp(self):
        super().setUp()
        if self.identity == 'admin':
            project, role = 'admin', 'admin'
        else:
            project, role = CONTEXT['users'][self.identity]
        catalog = list(self.service_catalog) + [{
            'type': 'usage-metering', 'name': 'scs-metering',
            'endpoints': [{'region': 'RegionOne', 'region_id': 'RegionOne',
                           'interface': 'public', 'url': API_URL}]}]
        self._setup_user(
            tenant_id=CONTEXT['project_ids'][project], tenant_name=project,
            service_catalog=catalog,
            roles=[{'id': name, 'name': name} for name in ROLES[role]])
        self.api = RecordedAPI(self.identity)
        mocker = requests_mock.Mocker()
        mocker.register_uri(requests_mock.ANY, requests_mock.ANY,
                            text=self.api)
        mocker.start()
        self.addCleanup(mocker.stop)

    def sink_id(self, name):
        return CONTEXT['sinks'][name]

    def answer(self, method, path, **query):
        """The recorded JSON answer of a request, for expected values."""
        for exchange in recording.load(self.identity):
            sent = exchange['request']
            if sent[0] == method and sent[1] == path and (
                    not query or sorted(query.items()) == sorted(
                        (k, v) for k, v in sent[2] if k in query)):
                return json.loads(exchange['body'])
        raise Unrecorded('%s %s %s' % (method, path, query))

    def forget_access(self):
        self.client.session.pop(access.SESSION_KEY, None)


class _Rows(html.parser.HTMLParser):
    """The rows of one Horizon table: {row id: [cell text]}."""

    def __init__(self, table):
        super().__init__()
        self.prefix = table + '__row__'
        self.rows = {}
        self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'tr' and (attrs.get('id') or '').startswith(self.prefix):
            self.row = self.rows.setdefault(attrs['id'][len(self.prefix):],
                                            [])
        elif tag == 'td' and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == 'td' and self.cell is not None:
            self.row.append(' '.join(''.join(self.cell).split()))
            self.cell = None
        elif tag == 'tr':
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(response, table):
    parser = _Rows(table)
    parser.feed(response.content.decode())
    return parser.rows
