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
"""Invoice notifications from the outbox, on PostgreSQL and RabbitMQ.

``metering.invoice.finalized`` and ``metering.invoice.voided`` leave
through an amqp sink that takes the invoice kinds. They are sent only
after the finalizing transaction committed (they are its outbox
entries), and a deliverer that dies after sending but before recording
it makes a resend under the same message id: at least once, never lost,
duplicates recognisable.
"""

import datetime
import functools
import time
import uuid

from cryptography import fernet

from scs_metering.common import timeutils
from scs_metering import events as ev
from scs_metering.publisher import base as publisher
from scs_metering.publisher import delivery
from scs_metering.publisher import loader
from scs_metering.publisher import manager
from scs_metering.rating import invoices
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests.unit import test_billing_store

MATCH = test_billing_store.MATCH
NOW = test_billing_store.NOW


class InvoiceNotificationTest(test_billing_store.Scenario,
                              base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.config('publisher', lease=3, linger=0, secret_keys=[
            fernet.Fernet.generate_key().decode()])
        self.connection = self.database('postgresql')
        uid = uuid.uuid4().hex[:10]
        self.exchange = 'billing_%s' % uid
        self.queue = 'invoices_%s.info' % uid
        self.broker = services.Broker()
        self.addCleanup(self.broker.close)
        self.addCleanup(self.broker.delete, queues=[self.queue],
                        exchanges=[self.exchange])
        self.bus = manager.put(self.connection, {
            'name': 'tenant-notifications', 'driver': 'amqp',
            'url': base.RABBIT_URL,
            'options': {'exchange': self.exchange,
                        'topic': 'invoices_%s' % uid},
            'filters': {'kinds': ['invoice.finalized', 'invoice.voided']}},
            conf=self.conf)
        self.deliverer = delivery.Deliverer(self.conf, self.connection, 'e1')
        self.addCleanup(self.deliverer.close)

    def messages(self):
        return self.broker.notifications(self.queue)

    def test_finalized_and_voided_on_the_bus(self):
        c = self.connection
        self.setup_billing()
        start = self.period.start
        c.store_rated('sub-1', start, test_billing_store.rated_lines(
            self.rating(), start), NOW, MATCH)
        c.add_invoice(test_billing_store.models.Invoice(
            self.draft('inv-1'), 'ACME', 'periodic:x'), NOW)
        # Rated lines and a draft: nothing for the tenants' bus.
        self.assertEqual(0, self.deliverer.run_once())
        c.finalize_invoice('inv-1', functools.partial(self._finalize,
                                                      'ACME'), MATCH)
        self.assertEqual(1, self.deliverer.run_once())
        self.assertEqual(0, self.deliverer.run_once())
        [finalized] = self.messages()
        self.assertEqual('metering.invoice.finalized',
                         finalized['event_type'])
        self.assertEqual(ev.stable_id('amqp', 'inv-1', 1),
                         finalized['message_id'])
        payload = finalized['payload']
        self.assertEqual(('invoice.finalized', 'inv-1', 1, 'p1'), (
            payload['kind'], payload['id'], payload['revision'],
            payload['project_id']))
        self.assertEqual(c.invoice('inv-1').document, payload['invoice'])
        self.assertEqual('ACME-000001', payload['invoice']['number'])

        c.void_invoice('inv-1', lambda d: invoices.void(d, 'typo', NOW),
                       MATCH)
        # The deliverer dies after the broker took the batch, before it
        # recorded the delivery: after its lease the batch goes again.
        lease = datetime.timedelta(seconds=self.conf.publisher.lease)
        _token, entries = c.claim_deliveries(
            self.bus['id'], 'dead-engine', 10, lease, timeutils.utcnow())
        records = c.outbox_records(entries)
        driver = loader.load_sink(manager.get_usable(
            self.conf, c, self.bus['id']))
        self.addCleanup(driver.close)
        fmt = loader.load_format('native')
        documents = [fmt.document(r) for r in records.values()]
        driver.send(publisher.Batch(list(records.values()), documents,
                                    fmt.encode(documents), fmt.content_type))
        self.assertEqual(0, self.deliverer.run_once())
        time.sleep(lease.total_seconds() + 0.2)
        self.assertEqual(1, self.deliverer.run_once())
        first, again = self.messages()
        self.assertEqual('metering.invoice.voided', first['event_type'])
        self.assertEqual(ev.stable_id('amqp', 'inv-1', 2),
                         first['message_id'])
        self.assertEqual(first['payload'], again['payload'])
        self.assertEqual(first['message_id'], again['message_id'])
        self.assertEqual(('voided', 'typo'), (
            first['payload']['invoice']['status'],
            first['payload']['invoice']['void_reason']))
        status = manager.status(c, self.bus['id'])
        self.assertEqual((0, 2, 0), (status['backlog'], status['delivered'],
                                     status['dead_letters']))
