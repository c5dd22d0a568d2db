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
"""The poison test of issue 13, over the live agent and engine on RabbitMQ.

A simulated day of every simulated service's notifications (the shared
fixtures, through the simulator) with each bad input of the issue sent
twice among them (tests/chaos/poison.py): negative and huge sizes, 1970
and four years ahead, a NUL and 20,000 characters in an id, 5,000 in a
project id, bytes that are no UTF-8, JSON nested too deep, a wrong type
and an unknown event type. The resilience harness checks that every
valid notification became an event and is billed exactly as the
simulated cloud used it, that each poison is quarantined alone with its
true reason and nothing else is, that status counts them, and that every
meter's windows closed to the end.
"""

from scs_metering.tests.chaos import harness
from scs_metering.tests.chaos import poison
from scs_metering.tests.chaos import profiles
from scs_metering.tests.functional import base

SEED = 20261207


class PoisonTest(base.FunctionalTestCase):

    def test_poison_among_valid_traffic(self):
        run = harness.ChaosRun(self, profiles.POISON,
                               harness.seed_from_env(SEED))
        results = run.execute()
        self.assertGreaterEqual(len(run.sim.notifier.sent), 1000)
        [quarantine] = [r for r in results
                        if r.name.startswith('quarantine')]
        self.assertEqual(2 * len(poison.POISONS),
                         quarantine.figures['quarantined'])
