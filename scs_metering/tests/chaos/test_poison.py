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
"""The full poison test of issue 13 (``tox -e chaos -- test_poison``).

A simulated day of every simulated service's notifications, over a
thousand, with every bad input of the issue twice among them; the checks
of the short run in the default functional tests
(scs_metering/tests/functional/test_poison.py).
"""

from scs_metering.tests.chaos import profiles
from scs_metering.tests.functional import base
from scs_metering.tests.functional import test_poison


class PoisonTest(base.FunctionalTestCase):

    def test_poison_among_valid_traffic(self):
        test_poison.run_poison(self, profiles.POISON, valid=1000)
