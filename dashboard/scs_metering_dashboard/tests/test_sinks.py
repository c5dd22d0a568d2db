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
"""Admin > Metering > Sinks and a sink's dead letters."""

from django.test import utils as test_utils

from scs_metering_dashboard.tests import base

INDEX = '/admin/metering_sinks/'


class AdminSinksTest(base.TestCase):
    identity = 'admin'

    def status(self, name):
        return self.answer('GET', '/v1/sinks/%s/status' % self.sink_id(name))

    def test_list_shows_each_sink_status(self):
        response = self.client.get(INDEX)
        self.assertEqual(200, response.status_code)
        rows = base.table_rows(response, 'sinks')
        sinks = self.answer('GET', '/v1/sinks', limit='21')['sinks']
        self.assertEqual({s['id'] for s in sinks}, set(rows))
        for sink in sinks:
            status = self.answer('GET', '/v1/sinks/%s/status' % sink['id'])
            row = rows[sink['id']]
            # name, driver, format, state, backlog, lag, delivered,
            # failed attempts, dead letters
            self.assertEqual(
                [sink['name'], sink['driver'], sink['format'],
                 'Paused' if status['paused'] else 'Delivering',
                 str(status['backlog']),
                 '-' if status['oldest_pending_age'] is None else
                 str(status['oldest_pending_age']),
                 str(status['delivered']), str(status['failed_attempts']),
                 str(status['dead_letters'])], row[0:9])
        # The paused sink has a backlog, the webhook refused records.
        self.assertTrue(self.status('warehouse')['paused'])
        self.assertTrue(self.status('warehouse')['backlog'])
        self.assertTrue(self.status('billing')['dead_letters'])
        self.assertIn('HTTP 400', rows[self.sink_id('billing')][10])

    def test_pause(self):
        archive = self.sink_id('archive')
        response = self.client.post(INDEX, {
            'action': 'sinks__pause__%s' % archive})
        self.assertEqual(302, response.status_code)
        self.assertEqual([['POST', '/v1/sinks/%s/pause' % archive, [],
                           None]], self.api.posted())

    def test_resume(self):
        warehouse = self.sink_id('warehouse')
        self.client.post(INDEX, {'action': 'sinks__resume__%s' % warehouse})
        self.assertEqual([['POST', '/v1/sinks/%s/resume' % warehouse, [],
                           None]], self.api.posted())

    def test_pause_shown_only_when_delivering(self):
        content = self.client.get(INDEX).content.decode()
        self.assertIn('sinks__resume__%s' % self.sink_id('warehouse'),
                      content)
        self.assertNotIn('sinks__pause__%s' % self.sink_id('warehouse'),
                         content)
        self.assertIn('sinks__pause__%s' % self.sink_id('billing'),
                      content)

    @test_utils.override_settings(API_RESULT_PAGE_SIZE=2)
    def test_sinks_paginate(self):
        response = self.client.get(INDEX)
        first = self.answer('GET', '/v1/sinks', limit='3')['sinks']
        self.assertEqual(2, len(base.table_rows(response, 'sinks')))
        self.assertContains(response, '?marker=%s' % first[1]['id'])
        response = self.client.get(INDEX + '?marker=%s' % first[1]['id'])
        self.assertIn(first[2]['id'], base.table_rows(response, 'sinks'))

    def test_dead_letters(self):
        billing = self.sink_id('billing')
        response = self.client.get(INDEX + billing + '/')
        self.assertEqual(200, response.status_code)
        letters = self.answer('GET', '/v1/sinks/%s/dead-letters' % billing,
                              limit='21')['dead_letters']
        rows = base.table_rows(response, 'dead_letters')
        self.assertEqual([str(e['id']) for e in letters[:20]], list(rows))
        first = rows[str(letters[0]['id'])]
        self.assertIn(letters[0]['record_id'], first)
        self.assertIn('400 Bad Request: unknown customer account',
                      ' '.join(first))
        status = self.status('billing')
        self.assertContains(response, '<dd data-field="dead_letters">%d</dd>'
                            % status['dead_letters'], html=False)

    def test_retry_one_dead_letter(self):
        billing = self.sink_id('billing')
        first = self.answer('GET', '/v1/sinks/%s/dead-letters' % billing,
                            limit='2')['dead_letters'][0]
        response = self.client.post(INDEX + billing + '/', {
            'action': 'dead_letters__retry__%d' % first['id']})
        self.assertEqual(302, response.status_code)
        self.assertEqual([['POST', '/v1/sinks/%s/retry' % billing, [],
                           {'ids': [first['id']]}]], self.api.posted())

    def test_retry_all(self):
        billing = self.sink_id('billing')
        response = self.client.post(INDEX + billing + '/', {
            'action': 'dead_letters__retry_all'}, follow=True)
        self.assertEqual([['POST', '/v1/sinks/%s/retry' % billing, [],
                           None]], self.api.posted())
        self.assertContains(response, 'dead letters are pending again')

    @test_utils.override_settings(API_RESULT_PAGE_SIZE=2)
    def test_dead_letters_paginate(self):
        billing = self.sink_id('billing')
        response = self.client.get(INDEX + billing + '/')
        letters = self.answer('GET', '/v1/sinks/%s/dead-letters' % billing,
                              limit='3')['dead_letters']
        self.assertContains(response, '?marker=%d' % letters[1]['id'])

    def test_unknown_sink(self):
        response = self.client.get(INDEX + 'no-such-sink/')
        self.assertEqual(200, response.status_code)
        self.assertContains(response, 'no sink with id no-such-sink')


class MemberSinksTest(base.TestCase):
    identity = 'alpha-member'

    def test_no_access(self):
        response = self.client.get(INDEX)
        self.assertNotEqual(200, response.status_code)
        self.assertNotEqual(500, response.status_code)
        # A member is never probed for an admin panel.
        self.assertFalse([s for s in self.api.sent if s[1] == '/v1/sinks'])
