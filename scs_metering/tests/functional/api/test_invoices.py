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
"""/v1/invoices behind the real Keystone, on PostgreSQL and MariaDB.

Who may see and change which invoice, with real tokens; and two (or
six) callers finalizing or voiding one invoice at once, each through its
own HTTP request and database connection: one succeeds, the others get
409, never a 5xx, and the numbers stay gapless.
"""

import concurrent.futures

from scs_metering.billing import biller
from scs_metering.db import models
from scs_metering.tests.functional.api import base

PRICES = [{'id': 'server', 'meter': 'instance', 'unit': 'hour',
           'match': {}, 'model': 'per_unit', 'unit_price': '0.10',
           'description': 'Servers'}]
# Drafts finalized at once by RACERS callers, one after the other.
DRAFTS = 4
RACERS = 6


class _InvoicesTest(base.APITestCase):

    @classmethod
    def seed(cls):
        """Alpha's three server hours, as interim drafts of 0.30 each.

        One subscription per draft, all of project alpha: an interim is
        one per subscription and closed window.
        """
        super().seed()
        storage, start = cls.storage, base.START
        storage.create_price_list('public', 'EUR', None, start)
        storage.add_price_list_version('public', start, PRICES, start)
        storage.create_plan('standard', 'public', {
            'id': 'standard', 'price_list': 'public'}, start)
        alpha = cls.project('alpha')
        billing = biller.Biller(cls.api_conf, storage)
        cls.drafts = []
        for n in range(DRAFTS + 2):
            sub_id = 'alpha-%d' % n
            storage.put_subscription(models.Subscription(
                id=sub_id, document={
                    'id': sub_id, 'project_id': alpha,
                    'plans': [{'plan': 'standard',
                               'from': '2026-01-01T00:00:00Z'}]},
                started_at=start, project_id=alpha), start)
            invoice, _new = billing.interim(sub_id)
            cls.drafts.append(invoice.id)

    def post(self, path, identity='admin', **kwargs):
        return self.request('POST', path, identity, **kwargs)

    def race(self, path, count=RACERS, **kwargs):
        """``count`` admins POSTing ``path`` at once; their statuses."""
        self.keystone.token('admin')  # one token, fetched beforehand
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            responses = list(pool.map(
                lambda _n: self.post(path, **kwargs), range(count)))
        for response in responses:
            self.assertLess(response.status_code, 500, response.text)
        return sorted(r.status_code for r in responses), responses

    def test_who_sees_and_changes_what(self):
        alpha_draft = self.drafts[-1]
        listed = self.request('GET', '/v1/invoices', 'alpha-reader').json()
        self.assertLessEqual(DRAFTS + 2, len(listed['invoices']))
        self.assertEqual([], self.request('GET', '/v1/invoices',
                                          'beta-reader').json()['invoices'])
        for identity, status in (('alpha-reader', 200), ('alpha-member', 200),
                                 ('beta-reader', 403), ('admin', 200),
                                 ('system-reader', 200), ('no-token', 401)):
            response = self.request('GET', '/v1/invoices/' + alpha_draft,
                                    identity)
            self.assertEqual(status, response.status_code, identity)
        csv = self.request('GET', '/v1/invoices/' + alpha_draft,
                           'alpha-reader', headers={'Accept': 'text/csv'})
        self.assertEqual(200, csv.status_code)
        self.assertTrue(csv.text.startswith('BilledCost,'))
        self.assertEqual(200, self.request(
            'GET', '/v1/invoices?all_projects=true',
            'system-reader').status_code)
        self.assertEqual(403, self.request(
            'GET', '/v1/invoices?all_projects=true',
            'alpha-reader').status_code)
        path = '/v1/invoices/%s/finalize' % alpha_draft
        for identity in ('alpha-reader', 'alpha-member', 'beta-reader',
                         'system-reader'):
            self.assertEqual(403, self.post(path, identity).status_code)
            self.assertEqual(403, self.post(
                '/v1/invoices/interim', identity,
                json={'project_id': self.project('alpha')}).status_code)
            self.assertEqual(403, self.post(
                '/v1/rating/rerate', identity, json={
                    'start': '2026-01-01T00:00:00Z',
                    'end': '2026-02-01T00:00:00Z',
                    'reason': 'RBAC'}).status_code)
        self.assertEqual('draft', self.storage.invoice(alpha_draft).status)

    def test_concurrent_finalizations(self):
        numbers = []
        for invoice_id in self.drafts[:DRAFTS]:
            statuses, responses = self.race(
                '/v1/invoices/%s/finalize' % invoice_id)
            self.assertEqual([200] + [409] * (RACERS - 1), statuses)
            [won] = [r.json() for r in responses if r.status_code == 200]
            self.assertEqual(('finalized', '0.30'),
                             (won['status'], won['total']))
            numbers.append(won['number'])
            for lost in responses:
                if lost.status_code == 409:
                    self.assertIn('a finalized invoice is never changed',
                                  lost.json()['error']['message'])
        self.assertEqual(['scs-metering-%06d' % n
                          for n in range(1, DRAFTS + 1)], numbers)
        # Two voids of one invoice at once: one voids it and files one
        # replacement draft.
        statuses, responses = self.race(
            '/v1/invoices/%s/void' % self.drafts[0], count=2,
            json={'reason': 'two at once'})
        self.assertEqual([200, 409], statuses)
        [won] = [r.json() for r in responses if r.status_code == 200]
        replacement = self.storage.invoice(won['replaced_by'])
        self.assertEqual(('draft', self.drafts[0], '0.30'), (
            replacement.status, replacement.document['replaces'],
            replacement.document['total']))


class PostgreSQLInvoicesTest(_InvoicesTest):
    backend = 'postgresql'


class MariaDBInvoicesTest(_InvoicesTest):
    backend = 'mariadb'


del _InvoicesTest
