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
"""The rating and invoicing worker on real ingested, closed usage.

Servers of vm_lives (tests/push.py) live 150 minutes each: 30 active,
120 paused, both billable states of the instance meter, so each costs
2.5 hours at EUR 0.10 an hour, EUR 0.25. ``Scenario`` runs here on
SQLite and in the functional tests on PostgreSQL and MariaDB.
"""

import datetime
import decimal

from scs_metering.billing import biller
from scs_metering.db import models
from scs_metering.rating import errors
from scs_metering.tests import base
from scs_metering.tests import push

D = decimal.Decimal
UTC = datetime.timezone.utc
JAN = datetime.datetime(2024, 1, 1, tzinfo=UTC)
FEB = datetime.datetime(2024, 2, 1, tzinfo=UTC)
MAR = datetime.datetime(2024, 3, 1, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
PRICES = [{'id': 'small', 'meter': 'instance', 'unit': 'hour',
           'match': {'flavor_name': 'm1.small'}, 'model': 'per_unit',
           'unit_price': '0.10', 'description': 'Small servers'}]


class Scenario:
    """Needs ``self.connection``."""

    def setup_billing(self, **subscription):
        c = self.connection
        self.store = push.Store(self, c)
        c.create_price_list('public', 'EUR', None, JAN)
        c.add_price_list_version('public', JAN, PRICES, JAN)
        c.create_plan('standard', 'public', {'id': 'standard',
                                             'price_list': 'public'}, JAN)
        document = {'id': 'sub-1', 'project_id': 'p1',
                    'plans': [{'plan': 'standard',
                               'from': '2024-01-01T00:00:00Z'}]}
        document.update(subscription)
        c.put_subscription(models.Subscription(
            id='sub-1', document=document, started_at=JAN,
            project_id='p1'), JAN)
        self.biller = biller.Biller(self.conf, c)

    def usage(self, t0, count, prefix='vm'):
        self.store.ingest(push.vm_lives(t0, count, prefix))

    def check_periodic_invoice(self):
        self.setup_billing()
        self.usage(JAN + datetime.timedelta(days=14), 2)
        self.store.close(FEB + 2 * HOUR)
        # Within the grace period: rated, not invoiced.
        self.assertEqual([], self.biller.run(now=FEB + HOUR / 2))
        rated = self.connection.rated_lines(subscription_id='sub-1')
        self.assertEqual(8, len(rated))
        self.assertEqual(D('0.50'), sum((r.amount for r in rated), D(0)))
        [invoice] = self.biller.run(now=FEB + 2 * HOUR)
        doc = invoice.document
        self.assertEqual(('finalized', 'periodic', 'scs-metering-000001'),
                         (doc['status'], doc['kind'], doc['number']))
        # 2 servers * 9000 s = 18000 s = 5 hours * 0.10 = 0.50.
        self.assertEqual('0.50', doc['total'])
        self.assertEqual([('small', '18000', '5', '0.50')], [
            (line['item'], line['quantity'], line['pricing_quantity'],
             line['amount']) for line in doc['lines']])
        # Usage quantity is the usage report's.
        self.assertEqual(D('18000'), sum(
            (r.quantity for r in self.connection.current_records(
                meter='instance', project_id='p1')), D(0)))
        # Running again, or from another engine, issues nothing more.
        self.assertEqual([], self.biller.run(now=FEB + 3 * HOUR))
        self.assertEqual([], biller.Biller(
            self.conf, self.connection).run(now=FEB + 3 * HOUR))
        self.assertEqual(1, len(self.connection.invoices()))

    def check_late_usage_becomes_correction(self):
        self.setup_billing()
        self.usage(JAN + datetime.timedelta(days=14), 2)
        self.store.close(FEB + 2 * HOUR)
        [january] = self.biller.run(now=FEB + 2 * HOUR)
        # A server of 20 January reported late, after January's invoice,
        # and February's own usage.
        self.usage(JAN + datetime.timedelta(days=19), 1, prefix='late')
        self.usage(FEB + datetime.timedelta(days=3), 1, prefix='feb')
        self.store.close(MAR + 2 * HOUR)
        [february] = self.biller.run(now=MAR + 2 * HOUR)
        lines = february.document['lines']
        self.assertEqual([(None, None, '0.25', '2024-02-01T00:00:00Z'),
                          ('Correction', january.id, '0.25',
                           '2024-01-01T00:00:00Z')],
                         [(line['charge_class'], line['correction_of'],
                           line['amount'], line['billing_period_start'])
                          for line in lines])
        self.assertEqual('0.50', february.document['total'])
        self.assertEqual('scs-metering-000002', february.document['number'])
        # Carried once: the next run finds January billed in full.
        self.assertEqual([], self.biller.run(now=MAR + 3 * HOUR))
        # The rated lines of January now include the late server.
        self.assertEqual(D('0.75'), sum(
            (r.amount for r in self.connection.rated_lines(
                period_start=JAN)), D(0)))

    def check_interim_then_final(self):
        self.setup_billing()
        self.usage(FEB + datetime.timedelta(days=3), 2)
        self.usage(FEB + datetime.timedelta(days=20), 1, prefix='later')
        self.store.close(FEB + datetime.timedelta(days=10))
        # January, closed and without usage, gets its invoice of 0.00.
        [january] = self.biller.run(now=FEB + datetime.timedelta(days=10))
        self.assertEqual(('0.00', []), (january.document['total'],
                                        january.document['lines']))
        interim, new = self.biller.interim(
            'sub-1', now=FEB + datetime.timedelta(days=10))
        self.assertEqual(('draft', 'interim', '0.50'), (
            interim.status, interim.document['kind'],
            interim.document['total']))
        # Asked again for the same closed window: the same invoice.
        self.assertTrue(new)
        self.assertEqual((interim.id, False), (lambda i, n: (i.id, n))(
            *self.biller.interim('sub-1')))
        self.biller.finalize(interim.id)
        self.store.close(MAR + 2 * HOUR)
        [final] = self.biller.run(now=MAR + 2 * HOUR)
        # It covers the rest of February, from where the interim ended.
        self.assertEqual(('periodic', '0.25', interim.document['covers_end'],
                          '2024-03-01T00:00:00Z'), (
            final.document['kind'], final.document['total'],
            final.document['covers_start'], final.document['covers_end']))
        numbers = sorted(i.document['number']
                         for i in self.connection.invoices())
        self.assertEqual(['scs-metering-%06d' % n for n in (1, 2, 3)],
                         numbers)

    def check_one_bad_subscription_alone(self):
        self.setup_billing()
        self.connection.put_subscription(models.Subscription(
            id='sub-0', document={'id': 'sub-0', 'project_id': 'p1',
                                  'plans': [{'plan': 'gone',
                                             'from': '2024-01-01T00:00:00Z'}]},
            started_at=JAN, project_id='p1'), JAN)
        self.usage(JAN + datetime.timedelta(days=14), 1)
        self.store.close(FEB + 2 * HOUR)
        with self.assertLogs('scs_metering.billing.biller') as logs:
            [invoice] = self.biller.run(now=FEB + 2 * HOUR)
        self.assertEqual('sub-1', invoice.document['subscription_id'])
        self.assertIn('Subscription sub-0 is not billed: plan gone',
                      logs.output[0])


class BillingEngineTest(Scenario, base.DBTestCase):

    def test_periodic_invoice(self):
        self.check_periodic_invoice()

    def test_late_usage_becomes_correction(self):
        self.check_late_usage_becomes_correction()

    def test_interim_then_final(self):
        self.check_interim_then_final()

    def test_one_bad_subscription_alone(self):
        self.check_one_bad_subscription_alone()

    def test_interim_needs_closed_usage(self):
        self.setup_billing()
        self.assertRaises(errors.BillingError, self.biller.interim, 'sub-1')
