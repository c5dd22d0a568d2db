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
"""Billing storage on PostgreSQL and MariaDB; racing engines."""

import concurrent.futures
import functools

import testscenarios

from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.tests.functional import base
from scs_metering.tests.unit import test_billing_store

load_tests = testscenarios.load_tests_apply_scenarios


class BillingStoreTest(test_billing_store.Scenario, base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)

    def test_price_lists(self):
        self.check_price_lists()

    def test_plans_and_subscriptions(self):
        self.check_plans_and_subscriptions()

    def test_rated_lines_append_only(self):
        self.check_rated_lines_append_only()

    def test_invoice_life(self):
        self.check_invoice_life()

    def test_billing_outbox(self):
        self.check_billing_outbox()

    def test_racing_engines(self):
        """Two engines, each its own connection pool, at the same time.

        Generating one period from both makes one invoice; finalizing
        many drafts from both draws every number once, with no gap.
        """
        self.setup_billing()
        engines = [self.connection, db_api.get_connection(self.conf)]
        self.addCleanup(engines[1].dispose)
        slot = 'periodic:%s' % self.period.start.isoformat()
        drafts = [self.draft('race-%d' % i) for i in range(2)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            made = list(pool.map(
                lambda pair: pair[0].add_invoice(
                    models.Invoice(pair[1], 'ACME', slot),
                    test_billing_store.NOW), zip(engines, drafts)))
        self.assertEqual(1, len({invoice.id for invoice, _new in made}))
        self.assertEqual([False, True], sorted(new for _i, new in made))
        ids = ['draft-%02d' % i for i in range(20)]
        for invoice_id in ids:
            self.connection.add_invoice(models.Invoice(
                self.draft(invoice_id), 'ACME', 'interim:' + invoice_id),
                test_billing_store.NOW)
        finalize = functools.partial(self._finalize, 'ACME')
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            done = list(pool.map(
                lambda i: engines[i % 2].finalize_invoice(
                    ids[i], finalize, test_billing_store.MATCH),
                range(len(ids))))
        self.assertEqual(['ACME-%06d' % n for n in range(1, 21)],
                         sorted(d.document['number'] for d in done))
