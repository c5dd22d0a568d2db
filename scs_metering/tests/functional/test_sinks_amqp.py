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
"""The amqp sink against the real RabbitMQ."""

import datetime
import uuid

from scs_metering.db import models
from scs_metering import events as ev
from scs_metering.publisher import base as publisher
from scs_metering.publisher import loader
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)


def lifecycle(vm, kind=models.STARTED, revision=1):
    return models.LifecycleRecord(
        id=ev.stable_id('lifecycle', 'instance', vm, kind),
        kind=kind, resource_type='instance', resource_id=vm,
        project_id='p1', user_id='u1', time=T0,
        attributes={'state': 'active'}, provenance='notification',
        revision=revision, created_at=T0)


def batch(*items, format_name='native'):
    fmt = loader.load_format(format_name)
    documents = [fmt.document(r) for r in items]
    return publisher.Batch(list(items), documents, fmt.encode(documents),
                           fmt.content_type)


class AmqpSinkTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        uid = uuid.uuid4().hex[:10]
        self.exchange = 'billing_%s' % uid
        self.queue = 'usage_%s.info' % uid
        # The password goes in secrets, as validation would put it.
        url = base.RABBIT_URL.replace('guest:guest@', 'guest@')
        self.sink = loader.load_sink({
            'name': 'bus', 'driver': 'amqp', 'url': url,
            'options': {'exchange': self.exchange,
                        'topic': 'usage_%s' % uid},
            'secrets': {'password': 'guest'}})
        self.addCleanup(self.sink.close)
        self.broker = services.Broker()
        self.addCleanup(self.broker.close)
        self.addCleanup(self.broker.delete, queues=[self.queue],
                        exchanges=[self.exchange])

    def messages(self):
        return self.broker.notifications(self.queue)

    def test_one_confirmed_notification_per_record(self):
        sent = batch(lifecycle('vm1'), lifecycle('vm2', models.ENDED))
        self.sink.send(sent)
        self.sink.send(sent)  # a resend keeps the message ids
        found = self.messages()
        self.assertEqual(4, len(found))
        same = [(m['message_id'], m['event_type'], m['payload'])
                for m in found]
        self.assertEqual(same[:2], same[2:])
        first = found[0]
        self.assertEqual('scs_metering.started', first['event_type'])
        self.assertEqual(ev.stable_id('amqp', sent.records[0].id, 1),
                         first['message_id'])
        self.assertEqual(sent.documents[0], first['payload'])
        self.assertEqual('scs_metering.ended', found[1]['event_type'])

    def test_cloudevents_payload(self):
        sent = batch(lifecycle('vm1'), format_name='cloudevents')
        self.sink.send(sent)
        payload = self.messages()[0]['payload']
        self.assertEqual('1.0', payload['specversion'])
        self.assertEqual('%s.1' % sent.records[0].id, payload['id'])

    def test_unreachable_broker_is_transient(self):
        sink = loader.load_sink({
            'name': 'bus', 'driver': 'amqp',
            'url': 'rabbit://guest:guest@127.0.0.1:9/',
            'options': {'exchange': self.exchange, 'retry': 0}})
        self.addCleanup(sink.close)
        self.assertRaises(publisher.TransientError, sink.send,
                          batch(lifecycle('vm1')))
