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
"""Billing end to end, on the live agent and engine.

Real nova notifications (the shared fixtures) go through RabbitMQ, the
agent and the engine (real processes) into PostgreSQL. The engine closes
the windows, rates them with a test price list, issues and finalizes the
periodic invoice of last month, and delivers the rated lines and the
invoice to a webhook on loopback (native format) and the invoice to a
FOCUS CSV file. Then, to the cent:

    sum(rated lines delivered) == sum(invoice lines) == invoice total
        == sum(FOCUS BilledCost)

and the invoice's quantity is the usage report's for the month.

The price is 0.05 EUR per hour of an m1.small, and every server lives
two and a half hours (paused after 30 minutes, which stays billable):
4 servers x 2.5 h = 10 h = 0.50 EUR, exact in cents, so the unrounded
rated lines add up to the rounded invoice line.
"""

import csv
import datetime
import decimal
import os
import uuid

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import push
from scs_metering.tests import webhook

D = decimal.Decimal
HOUR = datetime.timedelta(hours=1)
USER = 'c0ffee00c0ffee00c0ffee00c0ffee00'
SMALL = ('m1.small', '2', 1, 2048, 20)
SERVERS = 4
PRICE = {'id': 'server-small', 'meter': 'instance', 'unit': 'hour',
         'match': {'flavor_name': 'm1.small'}, 'model': 'per_unit',
         'unit_price': '0.05', 'description': 'Small servers'}


class Receiver(webhook.Webhook):
    """Keeps every document it is sent."""

    def __init__(self):
        super().__init__()
        self.documents = []

    def received(self, documents):
        with self.lock:
            self.documents.extend(documents)


def last_month(now):
    """The first instant of the month before ``now``'s, UTC."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - datetime.timedelta(days=1)).replace(day=1)


class BillingEndToEndTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.exports = os.path.join(self.tempdir, 'exports')
        os.mkdir(self.exports)
        self.config('publisher', file_sink_dirs=[self.exports])
        self.connection = self.database('postgresql')
        self.store = push.Store(self, self.connection)
        self.hook = Receiver()
        self.addCleanup(self.hook.stop)
        self.erp = self.store.sink(
            name='erp', driver='http', url=self.hook.url,
            filters={'kinds': ['billing']},
            options={'linger': 0, 'timeout': 5})
        self.focus_path = os.path.join(self.exports, 'focus.csv')
        self.focus = self.store.sink(name='focus', driver='file',
                                     url='file://' + self.focus_path,
                                     format='focus')
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        self.pipeline.override(self.pipeline.engine, (
            '[DEFAULT]\ndebug = true\n[publisher]\nsecret_keys = %s\n'
            'file_sink_dirs = %s\n[billing]\ninterval = 5\n'
            'grace_period = 0\nissuer = E2E\n') % (
            self.conf.publisher.secret_keys[0], self.exports))
        self.month = last_month(timeutils.utcnow())
        self.t0 = self.month + datetime.timedelta(days=9, hours=8)
        self.project = uuid.uuid4().hex
        self.subscribe()

    def subscribe(self):
        c, now = self.connection, timeutils.utcnow()
        c.create_price_list('e2e', 'EUR', 'End-to-end prices', now)
        c.add_price_list_version('e2e', self.month - 31 * 24 * HOUR,
                                 [PRICE], now)
        c.create_plan('payg', 'e2e', {'id': 'payg', 'price_list': 'e2e'},
                      now)
        self.subscription = 'sub-%s' % self.project[:8]
        c.put_subscription(models.Subscription(
            id=self.subscription, started_at=self.month,
            project_id=self.project, anchor_day='1', timezone='UTC',
            customer_ref='CRM-E2E', document={
                'id': self.subscription, 'project_id': self.project,
                'customer_ref': 'CRM-E2E', 'anchor_day': 1,
                'timezone': 'UTC', 'plans': [{
                    'plan': 'payg',
                    'from': timeutils.isoformat(self.month)}]}), now)

    def server(self, sample, vm, minute, **data):
        data.setdefault('launched_at', self.t0)
        return fx.instance(sample, vm, self.project, USER,
                           self.t0 + datetime.timedelta(minutes=minute),
                           message_id=str(uuid.uuid4()),
                           flavor=fx.flavor(*SMALL), **data)

    def lives(self, count):
        messages = []
        for _ in range(count):
            vm = str(uuid.uuid4())
            messages += [
                self.server('instance-create-end', vm, 0),
                self.server('instance-pause-end', vm, 30, state='paused'),
                self.server('instance-delete-end', vm, 150,
                            state='deleted', deleted_at=self.t0 +
                            datetime.timedelta(minutes=150))]
        return messages

    def delivered(self):
        if not self.pipeline.engine.running():
            raise AssertionError('the engine exited: %s' %
                                 self.pipeline.engine.read_log()[-3000:])
        finalized = self.connection.invoices(
            subscription_id=self.subscription, status=models.FINALIZED)
        if not finalized:
            return None
        for sink in (self.erp, self.focus):
            if self.connection.sink_status(sink['id'])['backlog']:
                return None
        return finalized

    def test_notifications_to_a_delivered_invoice(self):
        self.pipeline.start()
        self.pipeline.publish(*self.lives(SERVERS))
        [invoice] = services.wait_for(self.delivered, timeout=180,
                                      what='a finalized invoice delivered')
        document = invoice.document
        self.assertEqual(('periodic', 'EUR', timeutils.isoformat(
            self.month)), (document['kind'], document['currency'],
                           document['billing_period_start']))
        self.assertTrue(document['number'].startswith('E2E-'))
        total = D(document['total'])
        self.assertEqual(D('0.50'), total)
        self.assertEqual(total, sum((D(line['amount'])
                                     for line in document['lines']), D(0)))

        # The webhook: every current rated line and the invoice, native.
        rated, invoices = {}, []
        for doc in self.hook.documents:
            if doc['kind'] == models.RATED_USAGE:
                if doc['revision'] >= rated.get(doc['id'], {}).get(
                        'revision', 0):
                    rated[doc['id']] = doc
            else:
                invoices.append(doc)
        self.assertEqual(total, sum((D(r['amount']) for r in
                                     rated.values()), D(0)))
        self.assertEqual({models.INVOICE_FINALIZED},
                         {doc['kind'] for doc in invoices})
        self.assertEqual(document, invoices[0]['invoice'])
        self.assertEqual(0, self.hook.bad_signatures)

        # The FOCUS file: one header, BilledCost adds up to the total.
        with open(self.focus_path) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(total, sum((D(r['BilledCost']) for r in rows),
                                    D(0)))
        self.assertEqual({self.project}, {r['SubAccountId'] for r in rows})
        self.assertEqual({document['number']},
                         {r['InvoiceId'] for r in rows})

        # Quantities: the invoice's are the usage report's for the month.
        end = self.month + datetime.timedelta(days=40)
        end = end.replace(day=1)
        report = self.connection.usage_report(
            project_id=self.project, start=self.month, end=end,
            meters=['instance'])
        used = sum((D(row['quantity']) for row in report), D(0))
        self.assertEqual(D(SERVERS * 9000), used)
        self.assertEqual(used, sum((D(line['quantity'])
                                    for line in document['lines']
                                    if line['kind'] == 'usage'), D(0)))
        self.assertEqual(used, sum((D(r['quantity']) for r in
                                    rated.values()), D(0)))
