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
"""Throttling storage on PostgreSQL and MariaDB; racing evaluators."""

import concurrent.futures

import testscenarios

from scs_metering.db import api as db_api
from scs_metering.tests.functional import base
from scs_metering.tests.unit import test_throttling_store as store

load_tests = testscenarios.load_tests_apply_scenarios


class ThrottlingStoreTest(store.Scenario, base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)

    def test_rule_versions(self):
        self.check_rule_versions()

    def test_decisions(self):
        self.check_decisions()

    def test_enforcements(self):
        self.check_enforcements()

    def test_racing_evaluators(self):
        """Two evaluators, each its own pool, store one run at once.

        Every opening is stored, and reported opened, by one of them.
        """
        engines = [self.connection, db_api.get_connection(self.conf)]
        self.addCleanup(engines[1].dispose)
        docs = store.opened({'p%03d' % i: '150' for i in range(40)})
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            won = list(pool.map(lambda e: e.save_decisions(docs, store.NOW),
                                engines))
        self.assertEqual(sorted(d['id'] for d in docs),
                         sorted(won[0] + won[1]))
        self.assertEqual(40, len(self.connection.decisions()))
