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
"""Agent heartbeats: forwarded on the internal topic, stored by the engine.

The agent's forwarder and the engine's batch listener talk through
oslo.messaging's in-memory driver here; the functional test of the same
path uses RabbitMQ.
"""

import datetime

import fixtures
import oslo_messaging

from scs_metering.agent import daemon as agent_daemon
from scs_metering.agent import forwarder
from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering import messaging
from scs_metering.tests import base
from scs_metering.tests.functional import services


class HeartbeatTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.forwarder = forwarder.Forwarder(self.conf, transport)
        self.endpoint = endpoint.EventsEndpoint(
            ingest.Ingestor(self.connection))
        listener = oslo_messaging.get_batch_notification_listener(
            transport, [messaging.internal_target(self.conf)],
            [self.endpoint], executor='threading', batch_size=10,
            batch_timeout=0.05)
        listener.start()
        self.addCleanup(listener.wait)
        self.addCleanup(listener.stop)
        self.logger = self.useFixture(fixtures.FakeLogger())

    def beats(self, count=1):
        return services.wait_for(
            lambda: len(self.connection.heartbeats()) >= count and
            self.connection.heartbeats(), timeout=10, what='heartbeats')

    def test_agent_beats_through_the_internal_topic(self):
        beat = periodic.Heartbeat(self.forwarder.heartbeat, 'node-1:42',
                                  agent_daemon.BINARY,
                                  {'pid': 42, 'services': ['nova']})
        beat.run_once()
        [found] = self.beats()
        self.assertEqual(
            ('node-1:42', 'scs-metering-agent', beat.started_at,
             {'pid': 42, 'services': ['nova']}),
            (found['host'], found['binary'], found['started_at'],
             found['info']))
        self.assertLessEqual(found['heartbeat_at'], timeutils.utcnow())
        self.assertGreaterEqual(found['heartbeat_at'], beat.started_at)
        # Nothing else came of it: no events, nothing quarantined.
        self.assertEqual(0, self.connection.count('Quarantine'))
        self.assertEqual(0, self.connection.count('Event'))

    def test_a_late_heartbeat_does_not_go_back_in_time(self):
        now = timeutils.utcnow()
        self.connection.beat('node-1:42', 'scs-metering-agent', now, {},
                             now=now)
        self.connection.beat('node-1:42', 'scs-metering-agent', now,
                             {'late': True},
                             now=now - datetime.timedelta(seconds=30))
        [found] = self.connection.heartbeats()
        self.assertEqual((now, {}), (found['heartbeat_at'], found['info']))

    def test_a_malformed_heartbeat_is_logged(self):
        message = {'publisher_id': 'scs-metering-agent.x',
                   'event_type': forwarder.EVENT_TYPE,
                   'payload': {'service': None, 'events': [],
                               'quarantined': [],
                               'heartbeat': {'host': 'h', 'binary': 'b',
                                             'started_at': 'never'}}}
        self.assertEqual(oslo_messaging.NotificationResult.HANDLED,
                         self.endpoint.info([message]))
        self.assertEqual([], self.connection.heartbeats())
        self.assertIn('invalid heartbeat from scs-metering-agent.x',
                      self.logger.output)

    def test_an_engine_without_heartbeats_stores_nothing(self):
        # What an engine of the previous release reads of a heartbeat: an
        # empty batch, not something to quarantine.
        message = {'payload': {'service': None, 'events': [],
                               'quarantined': [], 'heartbeat': {}}}
        self.assertEqual(([], []), endpoint.decode(message))
