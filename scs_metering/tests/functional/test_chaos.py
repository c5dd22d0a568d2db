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
"""The short resilience run of the default functional tests.

Two simulated days of a cloud of about a thousand resources, every fault
of the suite played once or twice, with faults that spare the other
tests running at the same time (see scs_metering/tests/chaos). The seed
is fixed so that CI is repeatable; SCS_METERING_CHAOS_SEED picks another.
"""

from scs_metering.tests.chaos import harness
from scs_metering.tests.chaos import profiles
from scs_metering.tests.functional import base

SEED = 20261127


class ShortResilienceTest(base.FunctionalTestCase):

    def test_two_days_of_faults(self):
        harness.ChaosRun(self, profiles.SHORT,
                         harness.seed_from_env(SEED)).execute()
