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
from scs_metering.api.controllers.v1 import status
from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering.engine import workers
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


class LifecycleTest(base.DBTestCase):
    """A clean stop says so at once; a dead worker's heartbeat expires."""

    def test_a_clean_stop_sends_a_last_stopped_beat(self):
        sent = []
        beat = periodic.Heartbeat(
            lambda *args: sent.append(args), 'node-1:42',
            agent_daemon.BINARY, {'pid': 42})
        beat.start()
        services.wait_for(lambda: sent, timeout=10, what='a first beat')
        beat.stop()
        beat.join(10)
        self.assertFalse(beat.is_alive())
        self.assertNotIn('stopped', sent[0][3])
        self.assertEqual(('node-1:42', agent_daemon.BINARY, beat.started_at,
                          {'pid': 42, 'stopped': True}), sent[-1])
        # The beat it keeps sending while running is unchanged.
        self.assertEqual({'pid': 42}, beat.info)

    def test_status_states(self):
        running = {'info': {'pid': 1}}
        stopped = {'info': {'pid': 1, 'stopped': True}}
        self.assertEqual('up', status.service_state(running, 60, 60))
        self.assertEqual('down', status.service_state(running, 61, 60))
        # Stopped at once, however recent its last beat.
        self.assertEqual('stopped', status.service_state(stopped, 0, 60))
        self.assertEqual('stopped', status.service_state(stopped, 99, 60))

    def test_the_purge_deletes_expired_heartbeats(self):
        self.conf.set_override('service_expire_time', 3600, group='api')
        now = timeutils.utcnow()
        self.connection.beat('dead:1', 'scs-metering-engine', now, {},
                             now=now - datetime.timedelta(seconds=3601))
        self.connection.beat('recent:2', 'scs-metering-engine', now, {},
                             now=now - datetime.timedelta(seconds=3500))
        workers.Purging(self.conf, self.connection).run_once()
        self.assertEqual(['recent:2'],
                         [b['host'] for b in self.connection.heartbeats()])

    def test_status_leaves_out_expired_workers(self):
        now = timeutils.utcnow()

        def beat(host, age, **info):
            return {'host': host, 'info': info,
                    'heartbeat_at': now - datetime.timedelta(seconds=age)}

        shown = status.services(
            [beat('up:1', 5), beat('killed:2', 300),
             beat('stopped:3', 5, stopped=True), beat('old:4', 3601),
             beat('old-stopped:5', 7200, stopped=True)],
            now, down_after=60, expire_after=3600)
        self.assertEqual(
            [('up:1', 'up', True, 5), ('killed:2', 'down', False, 300),
             ('stopped:3', 'stopped', False, 5)],
            [(s['host'], s['state'], s['alive'], s['age_seconds'])
             for s in shown])
