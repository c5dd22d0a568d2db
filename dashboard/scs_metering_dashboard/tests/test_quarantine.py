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
"""Admin > Metering > Quarantine, an entry's page and retrying."""

import html

from scs_metering_dashboard.tests import base

INDEX = '/admin/metering_quarantine/'
FILTER = 'quarantine__filter__q'


class AdminQuarantineTest(base.TestCase):
    identity = 'admin'

    def entries(self):
        return self.answer('GET', '/v1/quarantine', limit='21')['quarantine']

    def entry(self, reason):
        return [e for e in self.entries() if reason in e['reason']][0]

    def test_list(self):
        response = self.client.get(INDEX)
        self.assertEqual(200, response.status_code)
        rows = base.table_rows(response, 'quarantine')
        entries = self.entries()
        self.assertEqual(4, len(entries))
        self.assertEqual([str(e['id']) for e in entries], list(rows))
        for entry in entries:
            # entry, service, event type, reason, received
            self.assertEqual(
                [str(entry['id']), entry['service'] or 'unknown',
                 entry['event_type'] or '-', entry['reason'],
                 entry['received_at']], rows[str(entry['id'])][1:6])

    def test_filter_by_service(self):
        response = self.client.post(INDEX, {FILTER: 'cinder',
                                            FILTER + '_field': 'service'},
                                    follow=True)
        cinder = self.answer('GET', '/v1/quarantine', service='cinder')
        self.assertEqual(
            sorted(str(e['id']) for e in cinder['quarantine']),
            sorted(base.table_rows(response, 'quarantine')))
        self.assertEqual(2, len(cinder['quarantine']))
        self.assertNotIn('1', base.table_rows(response, 'quarantine'))

    def test_empty(self):
        response = self.client.post(INDEX, {FILTER: 'glance',
                                            FILTER + '_field': 'service'},
                                    follow=True)
        self.assertEqual({}, base.table_rows(response, 'quarantine'))
        self.assertContains(response, 'No quarantined notification')

    def test_detail_shows_the_raw_message(self):
        listed = self.entry('/payload/size is -1')
        response = self.client.get('%s%d/' % (INDEX, listed['id']))
        self.assertEqual(200, response.status_code)
        entry = self.answer('GET', '/v1/quarantine/%d' % listed['id'])
        self.assertIn('\\"size\\": -1', entry['raw'])
        self.assertContains(response, html.escape(entry['raw']))
        self.assertContains(response, '<dd data-field="reason">%s</dd>'
                            % html.escape(entry['reason']), html=False)
        self.assertIn(str(listed['id']),
                      base.table_rows(response, 'quarantine'))

    def test_unknown_entry(self):
        response = self.client.get(INDEX + '999999/')
        self.assertEqual(200, response.status_code)
        self.assertContains(response, 'The metering API refused the request')
        self.assertContains(response, '999999')

    def test_retry_one_that_meters(self):
        entry = self.entry('refused by the database')
        response = self.client.post(INDEX, {
            'action': 'quarantine__retry__%d' % entry['id']}, follow=True)
        self.assertEqual([['POST', '/v1/quarantine/%d/retry' % entry['id'],
                           [], None]], self.api.posted())
        self.assertContains(response,
                            '1 entry was metered and left the quarantine.')

    def test_retry_one_that_still_fails(self):
        entry = self.entry('not UTF-8')
        response = self.client.post(INDEX, {
            'action': 'quarantine__retry__%d' % entry['id']}, follow=True)
        failing = self.answer(
            'POST', '/v1/quarantine/%d/retry' % entry['id'])['failing']
        self.assertEqual([entry['id']], [f['id'] for f in failing])
        self.assertContains(response, 'Entry %d still fails: %s' % (
            entry['id'], html.escape(failing[0]['reason'])))

    def test_retry_selected(self):
        ids = [self.entry('/payload/size is -1')['id'],
               self.entry('not UTF-8')['id']]
        self.client.post(INDEX, {'action': 'quarantine__retry',
                                 'object_ids': [str(i) for i in ids]})
        self.assertEqual(
            sorted(['POST', '/v1/quarantine/%d/retry' % i, [], None]
                   for i in ids), sorted(self.api.posted()))

    def test_retry_from_the_entry_page(self):
        entry = self.entry('/payload/size is -1')
        page = '%s%d/' % (INDEX, entry['id'])
        response = self.client.post(page, {
            'action': 'quarantine__retry__%d' % entry['id']})
        self.assertEqual(302, response.status_code)
        self.assertEqual(INDEX, response['Location'])

    def test_retry_all(self):
        response = self.client.post(INDEX, {
            'action': 'quarantine__retry_all'}, follow=True)
        self.assertEqual([['POST', '/v1/quarantine/retry', [], {}]],
                         self.api.posted())
        self.assertContains(response, 'still fails')


class MemberQuarantineTest(base.TestCase):
    identity = 'alpha-member'

    def test_no_access(self):
        response = self.client.get(INDEX)
        self.assertNotEqual(200, response.status_code)
        self.assertNotEqual(500, response.status_code)
        # A member is never probed for an admin panel.
        self.assertFalse([s for s in self.api.sent
                          if s[1].startswith('/v1/quarantine')])
        response = self.client.get(INDEX + '1/')
        self.assertNotEqual(200, response.status_code)
        self.assertNotEqual(500, response.status_code)
