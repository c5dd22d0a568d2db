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
"""One life of every resource type through RabbitMQ, agent and engine.

Every service publishes its real notifications (tests/lifecycles.py) to an
exchange of its own, on its own topic; glance does so on a bus of its own,
a separate RabbitMQ virtual host, as openstack-ansible deploys it. The
messages go out shuffled and a third of them twice, and the engine closes
windows while they arrive, so late ones become corrections. The windowed
usage must come out exactly as worked out by hand.
"""

import datetime
import random

import kombu
import testscenarios

from scs_metering.agent import converter
from scs_metering.common import timeutils
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import lifecycles

load_tests = testscenarios.load_tests_apply_scenarios

# Topics as the services send: nova's versioned notifications, every
# other service (ceilometermiddleware, octavia and designate included) on
# oslo.messaging's default "notifications".
TOPICS = {'nova': services.VERSIONED}
OWN_BUS = 'glance'


class _VhostBroker(services.Broker):

    def __init__(self, vhost):
        default = services.amqp_url(base.RABBIT_URL)
        self.connection = kombu.Connection(default[:-1] + vhost)


class ResourcesTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'sqlite')]

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database(self.backend)
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        # Two whole days ago: every window of every life below, daily
        # image windows included, closes as soon as its events are in.
        self.t0 = timeutils.window_floor(
            timeutils.utcnow(), 86400) - datetime.timedelta(days=2)
        self.lives = lifecycles.all_lifecycles(self.t0)
        self.definitions = self.definitions()
        self.exchanges = {s: '%s-%s' % (s, self.pipeline.uid)
                          for s in {life.service
                                    for life in self.lives.values()}}
        self.vhost = 'scs-%s' % self.pipeline.uid
        services.rabbitmqctl('add_vhost', self.vhost)
        self.addCleanup(services.rabbitmqctl, 'delete_vhost', self.vhost)
        services.rabbitmqctl('set_permissions', '-p', self.vhost, 'guest',
                             '.*', '.*', '.*')
        own_bus = base.RABBIT_URL.rstrip('/') + '/' + self.vhost
        self.brokers = {OWN_BUS: _VhostBroker(self.vhost)}
        self.addCleanup(self.brokers[OWN_BUS].close)
        self.pipeline.override(self.pipeline.agent, '\n'.join(
            ['[notification]',
             'enabled_services = %s' % ','.join(sorted(self.exchanges)),
             '%s_transport_url = %s' % (OWN_BUS, own_bus)] +
            ['%s_exchange = %s' % item for item in
             sorted(self.exchanges.items())]) + '\n')
        self.addCleanup(self.pipeline.broker.delete, queues=[
            '%s.%s' % (self.pipeline.pool, s) for s in self.exchanges
            if s not in ('nova', OWN_BUS)],
            exchanges=[e for s, e in self.exchanges.items()
                       if s != OWN_BUS])

    def broker(self, service):
        return self.brokers.get(service, self.pipeline.broker)

    def start(self):
        self.pipeline.start_engine()
        self.pipeline.agent.start()
        for service in sorted(self.exchanges):
            queue = '%s.%s' % (self.pipeline.pool, service)
            services.wait_for(
                lambda b=self.broker(service), q=queue: (
                    self.pipeline.agent.running() and
                    (b.queue(q) or (0, 0))[1] > 0),
                what='the agent consuming %s' % queue)

    def publish(self, life, message):
        self.broker(life.service).publish(
            self.exchanges[life.service],
            TOPICS.get(life.service, services.LEGACY), message)

    def observed(self):
        records = self.connection.current_records()
        return {life.resource_type: lifecycles.observed(
            [r for r in records if r.resource_type == life.resource_type],
            self.definitions, self.t0) for life in self.lives.values()}

    def test_every_resource_type(self):
        self.start()
        messages = [(life, m) for life in self.lives.values()
                    for m in life.messages]
        rng = random.Random(7)
        messages += rng.sample(messages, len(messages) // 3)
        rng.shuffle(messages)
        for life, message in messages:
            self.publish(life, message)
        expected = {life.resource_type: life.usage
                    for life in self.lives.values()}
        try:
            services.wait_for(lambda: self.observed() == expected and
                              self.pipeline.drained(), timeout=120,
                              what='the expected usage')
        except services.Timeout:
            self.assertEqual(expected, self.observed())
            raise
        records = self.connection.current_records()
        for life in self.lives.values():
            self.assertEqual({(life.resource_id, life.project_id)}, {
                (r.resource_id, r.project_id) for r in records
                if r.resource_type == life.resource_type and r.quantity})
        self.assertEqual([], self.connection.quarantined())
        # The events of every distinct message, once each.
        convert = converter.Converter(self.definitions)
        self.assertEqual(sum(
            len(convert.convert(life.service, m).events)
            for life in self.lives.values() for m in life.messages),
            self.connection.count('Event'))
