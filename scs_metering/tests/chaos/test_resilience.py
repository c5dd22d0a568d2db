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
"""The resilience suite of ``tox -e chaos``.

Each run prints its seed, its plan of faults and a table of faults
against outcomes; SCS_METERING_CHAOS_SEED=<seed> replays a run. The
reports also go to .chaos/ (or SCS_METERING_CHAOS_REPORTS).
"""

from scs_metering.tests.chaos import harness
from scs_metering.tests.chaos import profiles
from scs_metering.tests.functional import base


class ResilienceTest(base.FunctionalTestCase):

    def test_two_weeks_of_faults(self):
        harness.ChaosRun(self, profiles.long(),
                         harness.seed_from_env()).execute()

    def test_scale_out_with_kills(self):
        harness.ChaosRun(self, profiles.SCALE_OUT,
                         harness.seed_from_env()).execute()
