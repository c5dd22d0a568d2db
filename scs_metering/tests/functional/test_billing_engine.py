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
"""The rating and invoicing worker on PostgreSQL and MariaDB."""

import concurrent.futures

import testscenarios

from scs_metering.billing import biller
from scs_metering.db import api as db_api
from scs_metering.tests.functional import base
from scs_metering.tests.unit import test_billing_engine as unit

load_tests = testscenarios.load_tests_apply_scenarios


class BillingEngineTest(unit.Scenario, base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)

    def test_periodic_invoice(self):
        self.check_periodic_invoice()

    def test_late_usage_becomes_correction(self):
        self.check_late_usage_becomes_correction()

    def test_two_engines_make_one_invoice(self):
        """Two billers, each with its own connection pool, at once."""
        self.setup_billing()
        self.usage(unit.JAN + 14 * 24 * unit.HOUR, 2)
        self.store.close(unit.FEB + 2 * unit.HOUR)
        other = db_api.get_connection(self.conf)
        self.addCleanup(other.dispose)
        billers = [self.biller, biller.Biller(self.conf, other)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            issued = list(pool.map(
                lambda b: b.run(now=unit.FEB + 2 * unit.HOUR), billers))
        self.assertEqual(1, sum(len(found) for found in issued))
        [invoice] = self.connection.invoices()
        self.assertEqual(('finalized', 'scs-metering-000001', '0.50'), (
            invoice.status, invoice.document['number'],
            invoice.document['total']))
