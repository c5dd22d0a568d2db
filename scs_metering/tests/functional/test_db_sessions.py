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
"""Every session of a Connection runs with the settings ingest relies on."""

from scs_metering.tests.functional import base

# Enough sessions to go through the connection oslo.db pools when it
# tests the URL, and a new one.
SESSIONS = 3


class SessionSettingsTest(base.FunctionalTestCase):

    def settings(self, connection, sql):
        seen = set()
        for _ in range(SESSIONS):
            for session in (connection._reader, connection._writer):
                with session() as s:
                    seen.add(s.connection().exec_driver_sql(sql).scalar())
        return seen

    def test_mariadb_reads_committed(self):
        # Ingest locks a resource, then reads what the previous holder of
        # the lock committed; REPEATABLE READ would hide it.
        connection = self.database('mariadb')
        self.assertEqual({'READ-COMMITTED'}, self.settings(
            connection, 'SELECT @@tx_isolation'))

    def test_sqlite_waits_and_checks_keys(self):
        connection = self.database('sqlite')
        self.assertEqual({30000}, self.settings(connection,
                                                'PRAGMA busy_timeout'))
        self.assertEqual({1}, self.settings(connection,
                                            'PRAGMA foreign_keys'))
