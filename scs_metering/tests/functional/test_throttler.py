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
"""The engine's throttling evaluator on PostgreSQL and MariaDB."""

import testscenarios

from scs_metering.tests.functional import base
from scs_metering.tests.unit import test_throttler

load_tests = testscenarios.load_tests_apply_scenarios


class ThrottlerTest(test_throttler.Scenario, base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)

    def test_run_and_rule_change(self):
        self.check_run_and_rule_change()

    def test_failed_run_decides_nothing(self):
        self.check_failed_run_decides_nothing()
