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
"""The simulated bus's faults used by the resilience suite."""

import datetime
import json
import uuid

import kombu

from scs_metering.tests import base
from scs_metering.tests.simulator import simulation

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


class NotifierFaultsTest(base.TestCase):

    def run_day(self, seed=21, **shares):
        # The in-memory broker is the process's: names of this test's own.
        exchange = 'nova-%s' % uuid.uuid4().hex
        sim = simulation.Simulation(T0, 'memory://', seed=seed,
                                    exchanges={'nova': exchange}, **shares)
        self.addCleanup(sim.notifier.close)
        # Everything published is routed to a queue the test reads.
        self.queue = kombu.Queue(exchange, kombu.Exchange(
            exchange, type='topic', durable=False), routing_key='#')
        self.queue(sim.notifier.connection.default_channel).declare()
        # The message ids in the order the changes were notified.
        self.created = []
        notify = sim.notifier.notify
        sim.notifier.notify = lambda *a: self._created(notify(*a))
        sim.workload.run(6 * 3600, tick=300, resource_types=('instance',))
        return sim

    def _created(self, message):
        if message is not None:
            self.created.append(message['message_id'])
        return message

    def bodies(self, sim):
        found = []
        while True:
            message = self.queue(sim.notifier.connection.default_channel
                                 ).get(no_ack=True)
            if message is None:
                return found
            body = message.body
            found.append(body.decode() if isinstance(body, bytes) else body)

    def published(self, sim):
        return [json.loads(json.loads(b)['oslo.message'])
                for b in self.bodies(sim)]

    def test_delayed_messages_wait_their_time(self):
        sim = self.run_day(delay=0.3, delay_for=(600, 1200))
        held = [m for _s, _t, m in sim.notifier.held]
        self.assertGreater(len(held), 5)
        self.assertEqual(len(held), len(sim.notifier.delayed))
        due = {m['message_id']: sim.notifier.due[m['message_id']]
               for m in held}
        first = min(due.values())
        sim.notifier.release(first - datetime.timedelta(seconds=1))
        self.assertEqual(len(held), len(sim.notifier.held))
        sim.notifier.release(first)
        self.assertEqual(len(held) - 1, len(sim.notifier.held))
        sim.notifier.release(max(due.values()))
        self.assertEqual([], sim.notifier.held)
        self.assertEqual({}, sim.notifier.due)
        # Each went out between 10 and 20 minutes after its time.
        for message in held:
            when = datetime.datetime.strptime(
                message['timestamp'], '%Y-%m-%d %H:%M:%S.%f').replace(
                tzinfo=datetime.timezone.utc)
            wait = (due[message['message_id']] - when).total_seconds()
            self.assertTrue(600 <= wait <= 1200, wait)
        self.assertEqual(len(sim.notifier.sent), len(self.published(sim)))

    def test_reordered_messages_go_after_the_next_one(self):
        sim = self.run_day(reorder=0.3)
        reordered = sim.notifier.reordered
        self.assertGreater(len(reordered), 5)
        sim.notifier.flush()
        order = [m['message_id'] for m in self.published(sim)]
        self.assertEqual(sorted(self.created), sorted(order))
        # Each went out after one created after it, never before it.
        for message in reordered:
            created = self.created.index(message['message_id'])
            before = order[:order.index(message['message_id'])]
            self.assertTrue(any(self.created.index(m) > created
                                for m in before))
            self.assertLessEqual(set(self.created[:created]), set(before) |
                                 {m['message_id'] for m in reordered})

    def test_a_duplicate_has_its_own_unique_id(self):
        sim = self.run_day(duplicate=0.5)
        self.assertGreater(len(sim.notifier.duplicated), 5)
        sent = self.published(sim)
        for copy in sim.notifier.duplicated:
            twins = [m for m in sent
                     if m['message_id'] == copy['message_id']]
            self.assertEqual(2, len(twins))
            self.assertNotEqual(twins[0]['_unique_id'],
                                twins[1]['_unique_id'])
            self.assertEqual(dict(twins[0], _unique_id=None),
                             dict(twins[1], _unique_id=None))

    def test_a_raw_body_is_not_counted_as_sent(self):
        sim = self.run_day()
        sent = len(sim.notifier.sent)
        broken = '{"oslo.version": "2.0", "oslo.mes'
        sim.notifier.publish('nova', 'versioned_notifications', broken)
        self.assertEqual(sent, len(sim.notifier.sent))
        bodies = self.bodies(sim)
        self.assertEqual((sent + 1, broken), (len(bodies), bodies[-1]))
