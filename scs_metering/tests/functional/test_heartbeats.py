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
"""The agent's heartbeat reaches the heartbeats table through RabbitMQ."""

import datetime

from scs_metering.common import timeutils
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services


class HeartbeatTest(base.FunctionalTestCase):

    def test_agent_and_engine_beat(self):
        self.require('rabbitmq')
        connection = self.database('sqlite')
        pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        pipeline.start()

        def both():
            found = {b['binary']: b for b in connection.heartbeats()}
            return len(found) == 2 and found

        found = services.wait_for(both, what='agent and engine heartbeats')
        agent = found['scs-metering-agent']
        self.assertTrue(agent['host'].startswith(pipeline.uid + ':'))
        self.assertEqual(['nova'], agent['info']['services'])
        self.assertEqual(pipeline.agent.workers(), [agent['info']['pid']])

    def test_a_clean_stop_shows_at_once(self):
        # The agent's last beat travels the internal topic like the
        # others, so the engine must still run to store it.
        self.require('rabbitmq')
        connection = self.database('sqlite')
        pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        pipeline.start()

        def beats():
            return {b['binary']: b for b in connection.heartbeats()}

        services.wait_for(lambda: len(beats()) == 2,
                          what='agent and engine heartbeats')
        self.assertEqual(0, pipeline.agent.stop())
        agent = services.wait_for(
            lambda: beats()['scs-metering-agent']['info'].get('stopped') and
            beats()['scs-metering-agent'], timeout=10,
            what='the agent\'s stopped beat')
        # Well within [api] service_down_time (60 s): said, not inferred.
        self.assertLess(timeutils.utcnow() - agent['heartbeat_at'],
                        datetime.timedelta(seconds=15))
        self.assertEqual(0, pipeline.engine.stop())
        engine = beats()['scs-metering-engine']
        self.assertTrue(engine['info']['stopped'])
