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
"""The simulated cloud's lossy bus and its seeded workload."""

import datetime

from scs_metering.agent import converter
from scs_metering.common import timeutils
from scs_metering.tests import base
from scs_metering.tests.simulator import simulation

T0 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)


class SimulatorTest(base.TestCase):
    """The simulated cloud's lossy bus and its seeded workload."""

    def run_day(self, seed, **shares):
        sim = simulation.Simulation(T0, 'memory://', seed=seed, **shares)
        self.addCleanup(sim.notifier.close)
        sim.workload.run(6 * 3600, tick=300,
                         resource_types=simulation.NOTIFIED)
        return sim

    def test_the_same_seed_replays_the_same_day(self):
        first, second = self.run_day(11), self.run_day(11)
        self.assertEqual(
            [(m['event_type'], m['timestamp']) for m in first.notifier.sent],
            [(m['event_type'], m['timestamp'])
             for m in second.notifier.sent])
        self.assertEqual(sorted(first.cloud.truth),
                         sorted(second.cloud.truth))

    def test_drop_delay_and_duplicate_shares(self):
        sim = self.run_day(12, drop=0.2, delay=0.2, duplicate=0.5)
        notified = (len(sim.notifier.sent) + len(sim.notifier.dropped) +
                    len(sim.notifier.held))
        self.assertGreater(notified, 100)
        self.assertGreater(len(sim.notifier.dropped), notified * 0.1)
        self.assertGreater(len(sim.notifier.held), notified * 0.1)
        ids = [m['message_id'] for m in sim.notifier.sent]
        self.assertGreater(len(ids), len(set(ids)))  # duplicates
        held = [m for _s, _t, m in sim.notifier.held]
        sim.notifier.flush()
        # Held messages go out last, newest first: out of order.
        self.assertEqual(list(reversed(held)),
                         sim.notifier.sent[-len(held):])

    def test_notifications_follow_the_real_samples(self):
        sim = self.run_day(13)
        by_type = {m['event_type']: m for m in sim.notifier.sent}
        self.assertLessEqual({'instance.create.end', 'volume.create.end',
                              'instance.delete.end'}, set(by_type))
        created = by_type['instance.create.end']
        data = created['payload']['nova_object.data']
        self.assertEqual('InstanceCreatePayload',
                         created['payload']['nova_object.name'])
        resource = sim.cloud.resources['instance'][data['uuid']]
        self.assertEqual(timeutils.isoformat(resource.launched_at),
                         data['launched_at'])
        # Every notification converts with the shipped definitions.
        convert = converter.Converter(self.definitions())
        seen = set()
        for message in sim.notifier.sent:
            outcome = convert.convert(convert.service_of(message), message)
            self.assertEqual([], outcome.quarantined, message['event_type'])
            [event] = outcome.events
            seen.add(event.resource_type)
        self.assertEqual(set(simulation.NOTIFIED), seen)
