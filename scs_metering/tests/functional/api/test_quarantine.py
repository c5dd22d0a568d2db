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
"""/v1/quarantine behind the real Keystone, on each database.

The entries are stored as the engine stores them; the retry is the one
of scs-metering-manage (scs_metering.replay), handed to the application
as the API's entry points hand it.
"""

import datetime
import json

from scs_metering.common import timeutils
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional.api import base


class QuarantineAPITest(base.APITestCase):

    @classmethod
    def seed(cls):
        super().seed()
        when = timeutils.utcnow().replace(microsecond=0) - (
            datetime.timedelta(hours=1))
        good = fx.instance('instance-create-end', 'vm-quarantined',
                           cls.project('alpha'), 'u-1', when,
                           launched_at=when)
        ingest.Ingestor(cls.storage).store([], [
            ev.Quarantined('refused by the database: connection lost',
                           ev.raw_text(good), 'nova', 'instance.create.end',
                           'nova-compute:host1', good['message_id']),
            ev.Quarantined('payload is not an object',
                           ev.raw_text(dict(good, payload=[])), 'nova'),
            ev.Quarantined('size: -1 is below the minimum 0 (100%)',
                           '{"event_type": "volume.create.end"}', 'cinder',
                           'volume.create.end'),
            ev.Quarantined('not UTF-8 text: byte 0xff at position 9',
                           ev.raw_text(b'{"id": "a\xff\x00b"}'))])
        cls.ids = [q['id'] for q in cls.storage.quarantined()]

    def get(self, path, identity='admin', status=200):
        response = self.request('GET', path, identity)
        self.assertEqual(status, response.status_code, response.text)
        return response.json()

    def listed(self, query=''):
        """The seeded entries listed; other tests add their own."""
        return [e['id'] for e in self.get('/v1/quarantine' + query)[
            'quarantine'] if e['id'] in self.ids]

    def test_list_filters_and_pages(self):
        found = self.get('/v1/quarantine')
        self.assertEqual(self.ids, [e['id'] for e in found['quarantine']][
            :len(self.ids)])
        first = found['quarantine'][0]
        self.assertEqual(
            ('nova', 'instance.create.end', 'nova-compute:host1',
             'refused by the database: connection lost'),
            (first['service'], first['event_type'], first['publisher_id'],
             first['reason']))
        self.assertNotIn('raw', first)
        self.assertEqual(timeutils.isoformat(timeutils.parse(
            first['received_at'])), first['received_at'])
        self.assertEqual('%s/v1/quarantine/%d' % (self.url, self.ids[0]),
                         first['links'][0]['href'])
        for query, expected in (
                ('?service=cinder', self.ids[2:3]),
                ('?service=unknown', self.ids[3:]),
                ('?reason=PAYLOAD', self.ids[1:2]),
                # LIKE wildcards in the text are only text.
                ('?reason=100%25', self.ids[2:3]),
                ('?reason=%25', self.ids[2:3]),
                ('?reason=c_nnection', []),
                ('?reason=by%25database', []),
                ('?since=2000-01-01&until=2999-01-01', self.ids),
                ('?since=2999-01-01', []),
                ('?until=2000-01-01', [])):
            self.assertEqual(expected, self.listed(query), query)
        page = self.get('/v1/quarantine?limit=3')
        self.assertEqual(self.ids[:3], [e['id'] for e in page['quarantine']])
        (link,) = page['links']
        rest = self.request('GET', link['href'][len(self.url):]).json()
        self.assertEqual(self.ids[3:], [e['id'] for e in rest['quarantine']][
            :1])
        for query, message in (
                ('?since=2026-02-01&until=2026-01-01',
                 'Invalid query parameter until: must be after since'),
                ('?since=soon', 'Invalid query parameter since: not an '
                                'ISO 8601 time'),
                ('?marker=x', 'query parameter marker must be of type '
                              'integer'),
                ('?color=red', 'Invalid query parameter color: unknown '
                               'parameter')):
            error = self.get('/v1/quarantine' + query, status=400)
            self.assertEqual(message, error['error']['message'])

    def test_show_is_json_whatever_the_message_held(self):
        response = self.request('GET', '/v1/quarantine/%d' % self.ids[3])
        self.assertEqual(200, response.status_code, response.text)
        self.assertNotIn('\\u0000', response.text)
        shown = json.loads(response.text, strict=True)
        self.assertEqual('{"id": "a\\xff\\x00b"}', shown['raw'])
        self.assertIsNone(shown['service'])
        good = self.get('/v1/quarantine/%d' % self.ids[0])
        self.assertEqual('instance.create.end',
                         json.loads(good['raw'])['event_type'])
        for entry in ('999999', '0', 'abc'):
            error = self.get('/v1/quarantine/' + entry, status=404)
            self.assertEqual('Quarantine entry %s could not be found.' %
                             entry, error['error']['message'])

    def test_who_may_see_and_retry(self):
        path = '/v1/quarantine/%d' % self.ids[1]
        for identity, look, retry in (
                ('alpha-member', 403, 403), ('alpha-reader', 403, 403),
                ('system-reader', 200, 403), ('system-admin', 200, 200),
                ('admin', 200, 200), ('no-token', 401, 401)):
            for method, url, want in (
                    ('GET', '/v1/quarantine', look), ('GET', path, look),
                    ('POST', path + '/retry', retry),
                    ('POST', '/v1/quarantine/retry', retry)):
                body = {'json': {'ids': [self.ids[1]]}} if (
                    url.endswith('quarantine/retry')) else {}
                response = self.request(method, url, identity, **body)
                self.assertEqual(want, response.status_code,
                                 (identity, method, url, response.text))
        # Refused callers changed nothing; the admins' retries reported
        # the entry as failing, and it stays.
        self.assertEqual(self.ids[1:2], [
            q['id'] for q in self.storage.quarantined(ids=[self.ids[1]])])

    def test_retry_one_and_many(self):
        when = timeutils.utcnow().replace(microsecond=0) - (
            datetime.timedelta(hours=2))
        good = fx.instance('instance-create-end', 'vm-retried',
                           self.project('alpha'), 'u-1', when,
                           launched_at=when)
        ingest.Ingestor(self.storage).store([], [
            ev.Quarantined('refused by the database: deadlock',
                           ev.raw_text(good), 'nova'),
            ev.Quarantined('payload is not an object', ev.raw_text(
                dict(good, payload=[], message_id='m-2')), 'nova')])
        ids = [q['id'] for q in self.storage.quarantined()
               if q['id'] > max(self.ids)]
        response = self.request('POST', '/v1/quarantine/%d/retry' % ids[1])
        self.assertEqual(200, response.status_code, response.text)
        report = response.json()
        self.assertEqual(([], [ids[1]], 0, None), (
            report['retried'], [f['id'] for f in report['failing']],
            report['events_stored'], report['next_marker']))
        self.assertIn('payload', report['failing'][0]['reason'])
        self.assertEqual(404, self.request(
            'POST', '/v1/quarantine/999999/retry').status_code)
        # In id order, at most limit: the first call stops after one.
        first = self.request('POST', '/v1/quarantine/retry', json={
            'service': 'nova', 'ids': ids, 'limit': 1}).json()
        (metered,) = first['retried']
        self.assertEqual((ids[0], 1, 0, [], ids[0]), (
            metered['id'], first['events_stored'],
            first['duplicates_skipped'], first['failing'],
            first['next_marker']))
        event = self.storage.event(metered['event_ids'][0])
        self.assertEqual(('instance', 'vm-retried'),
                         (event.resource_type, event.resource_id))
        rest = self.request('POST', '/v1/quarantine/retry', json={
            'ids': ids, 'marker': first['next_marker']}).json()
        self.assertEqual(([], [ids[1]], None), (
            rest['retried'], [f['id'] for f in rest['failing']],
            rest['next_marker']))
        self.assertEqual([ids[1]], [q['id'] for q in
                                    self.storage.quarantined(ids=ids)])
        for body, message in (
                ({'ids': []}, 'ids must have at least 1 items'),
                ({'since': 'x'}, 'Invalid request body: since: not an '
                                 'ISO 8601 time'),
                ({'everything': True}, 'everything is not a known field')):
            response = self.request('POST', '/v1/quarantine/retry',
                                    json=body)
            self.assertEqual(400, response.status_code, response.text)
            self.assertIn(message, response.json()['error']['message'])


class PostgreSQLQuarantineAPITest(QuarantineAPITest):
    backend = 'postgresql'


class MariaDBQuarantineAPITest(QuarantineAPITest):
    backend = 'mariadb'
