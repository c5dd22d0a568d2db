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

Simulated hours of every simulated service's notifications (the shared
fixtures, through the simulator) with each bad input of the issue sent
among them (tests/chaos/poison.py): negative and huge sizes, 1970 and
four years ahead, a NUL and 20,000 characters in an id, 5,000 in a
project id, bytes that are no UTF-8, JSON nested too deep, a wrong type
and an unknown event type. The resilience harness checks that every
valid notification became an event and is billed exactly as the
simulated cloud used it, that each poison is quarantined alone with its
true reason and nothing else is, that status counts them, and that every
meter's windows closed to the end.

This is the short run of the default tests: every bad input once among
a few hundred valid notifications. The full run, every bad input twice
among over a thousand, is tests/chaos/test_poison.py (``tox -e chaos``);
both make the same checks.
"""

from scs_metering.tests.chaos import faults
from scs_metering.tests.chaos import harness
from scs_metering.tests.chaos import poison
from scs_metering.tests.chaos import profiles
from scs_metering.tests.functional import base

SEED = 20261207


def run_poison(test, profile, valid, seed=SEED):
    """The poison run of ``profile``, among at least ``valid`` messages."""
    run = harness.ChaosRun(test, profile, harness.seed_from_env(seed))
    results = run.execute()
    test.assertGreaterEqual(len(run.sim.notifier.sent), valid)
    [quarantine] = [r for r in results if r.name.startswith('quarantine')]
    test.assertEqual(profile.faults[faults.POISON] *
                     len(poison.POISONS), quarantine.figures['quarantined'])


class PoisonTest(base.FunctionalTestCase):

    def test_poison_among_valid_traffic(self):
        run_poison(self, profiles.POISON_SHORT, valid=150)
