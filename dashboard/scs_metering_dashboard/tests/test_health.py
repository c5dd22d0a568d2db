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
"""Admin > Metering > Service Health."""

from scs_metering_dashboard.tests import base

INDEX = '/admin/metering_health/'


class AdminHealthTest(base.TestCase):
    identity = 'admin'

    def test_shows_the_status(self):
        response = self.client.get(INDEX)
        self.assertEqual(200, response.status_code)
        status = self.answer('GET', '/v1/status')
        windows = base.table_rows(response, 'windows')
        self.assertEqual(
            sorted([w['meter'], w['closed_until'], str(w['lag_seconds'])]
                   for w in status['windows']),
            sorted(row[:3] for row in windows.values()))
        self.assertContains(response, '<dd data-field="engine_lag_seconds">'
                            '%d</dd>' % status['engine_lag_seconds'])
        self.assertContains(response, '<dd data-field="total">%d</dd>' % (
            status['quarantine']['total']))
        for service, count in status['quarantine']['by_service'].items():
            self.assertContains(response, '<dd data-service="%s">%d</dd>' % (
                service, count))

    def test_workers_show_their_state(self):
        # up, stopped (a clean stop's last heartbeat says so) and down
        # (silent past [api] service_down_time): the API's word for each.
        response = self.client.get(INDEX)
        status = self.answer('GET', '/v1/status')
        self.assertEqual({'up', 'stopped', 'down'},
                         {w['state'] for w in status['services']})
        rows = base.table_rows(response, 'services')
        names = {'up': 'Up', 'stopped': 'Stopped', 'down': 'Down'}
        self.assertEqual(
            {'%s@%s' % (w['binary'], w['host']): names[w['state']]
             for w in status['services']},
            {key: row[2] for key, row in rows.items()})

    def test_stalled_meters(self):
        response = self.client.get(INDEX)
        status = self.answer('GET', '/v1/status')
        self.assertTrue(status['stalled_meters'])
        rows = base.table_rows(response, 'stalled')
        self.assertEqual(
            {s['meter']: [s['meter'], s['reason'], s['since'],
                          s['last_attempt'], str(s['attempts'])]
             for s in status['stalled_meters']}, rows)
        windows = base.table_rows(response, 'windows')
        self.assertEqual(
            {w['meter']: 'Stalled' if w['stalled'] else 'Closing'
             for w in status['windows']},
            {key: row[3] for key, row in windows.items()})
        self.assertIn('Stalled', [row[3] for row in windows.values()])

    def test_empty_states_are_explained(self):
        # The recording's stack runs no reconciliation: the table says
        # what that means.
        response = self.client.get(INDEX)
        self.assertContains(response, 'No reconciliation has run')


class ReaderHealthTest(base.TestCase):
    identity = 'alpha-reader'

    def test_no_access(self):
        response = self.client.get(INDEX)
        self.assertNotIn(response.status_code, (200, 500))
        self.assertFalse([s for s in self.api.sent if s[1] == '/v1/status'])
