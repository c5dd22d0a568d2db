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
"""Every record reaches a misbehaving webhook, across an engine SIGKILL.

Real nova notifications go through RabbitMQ, the agent and the engine
(real processes) into PostgreSQL; the engine pushes lifecycle and usage
records to a webhook on loopback that fails with 500s, times out, resets
the connection, answers slowly, asks to retry later, then holds a request
while the engine is killed with SIGKILL. After a restart every record
revision arrives, and the only duplicates are resends under the same ids.
"""

import datetime
import threading
import uuid

from scs_metering.common import timeutils
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import push
from scs_metering.tests import webhook

HOUR = datetime.timedelta(hours=1)
USER = 'c0ffee00c0ffee00c0ffee00c0ffee00'
SMALL = ('m1.small', '2', 1, 2048, 20)


class MisbehavingSinkTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database('postgresql')
        self.store = push.Store(self, self.connection)
        self.hook = webhook.Webhook(hmac_key='s3cret')
        self.addCleanup(self.hook.stop)
        self.sink = self.store.sink(
            name='erp', driver='http', url=self.hook.url,
            options={'batch_size': 4, 'linger': 0, 'concurrency': 1,
                     'timeout': 1},
            secrets={'hmac_key': 's3cret'})
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        self.pipeline.override(self.pipeline.engine, (
            '[DEFAULT]\ndebug = true\n[publisher]\nsecret_keys = %s\n'
            'lease = 5\nbackoff_initial = 0.2\nbackoff_max = 1\n') % (
            self.conf.publisher.secret_keys[0]))
        self.t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * HOUR
        self.project = uuid.uuid4().hex

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

    def request(self, number):
        def arrived():
            requests = self.hook.requests
            return len(requests) > number and requests[number]
        return services.wait_for(arrived, timeout=60,
                                 what='request %d' % (number + 1))

    def all_delivered(self, events):
        if not self.pipeline.engine.running():
            raise AssertionError('the engine exited: %s' %
                                 self.pipeline.engine.read_log()[-3000:])
        status = self.connection.sink_status(self.sink['id'])
        return (self.connection.count('Event') == events and
                status['backlog'] == 0 and
                set(self.hook.delivered) >= self.store.records())

    def test_every_record_arrives_through_failures_and_a_kill(self):
        release = threading.Event()
        self.addCleanup(release.set)
        self.hook.then(('status', 500), ('status', 502), ('status', 503),
                       ('sleep', 3), ('reset',), ('sleep', 0.5),
                       ('status', 429, {'Retry-After': '1'}),
                       ('hang', release))
        self.pipeline.start()
        self.pipeline.publish(*self.lives(4))
        # The eighth request hangs: kill the engine while it waits.
        held = self.request(7)
        self.assertIsNone(held[2])
        self.pipeline.engine.kill()
        release.set()
        # Usage goes on while the engine is down; the bus keeps it.
        self.pipeline.publish(*self.lives(4))
        self.pipeline.start_engine()
        services.wait_for(lambda: self.all_delivered(24), timeout=120,
                          what='every record delivered')

        expected = self.store.records()
        self.assertEqual(expected, set(self.hook.delivered))
        # The held batch was sent again by the restarted engine, once its
        # lease expired, under the same ids; nothing else was ever sent.
        later = [k for r in self.hook.requests[8:] for k in r[1]]
        self.assertEqual(set(held[1]), set(held[1]) & set(later))
        self.assertEqual(expected, {k for r in self.hook.requests
                                    for k in r[1]})
        self.assertEqual(0, self.hook.bad_signatures)
        answers = [r[2] for r in self.hook.requests[:7]]
        self.assertEqual([500, 502, 503], answers[:3])
        self.assertEqual([-1, 200, 429], answers[4:])
        log = self.pipeline.engine.read_log()
        for failure in ('HTTP 500', 'ReadTimeout', 'Connection reset',
                        'HTTP 429'):
            self.assertIn(failure, log)
        status = self.connection.sink_status(self.sink['id'])
        self.assertEqual((0, 0), (status['backlog'],
                                  status['dead_letters']))
        self.assertGreaterEqual(status['failed_attempts'], 6)
        # Three lifecycle and four usage records for each of 8 servers.
        self.assertEqual(56, len(expected))
