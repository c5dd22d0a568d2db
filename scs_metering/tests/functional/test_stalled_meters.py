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
"""A resource type whose windows the database refuses (issue 13, isolation).

The window closer used to fail as a whole: one refused insert stopped
every meter, and nothing but the log said so. Now the failing resource
type's meters are recorded as stalled, with the database's reason, the
other types close as before, and the stall goes once the cause is gone.
"""

import sqlalchemy as sa
import testscenarios

from scs_metering.command import status
from scs_metering.tests.functional import test_usage_identity as identity

load_tests = testscenarios.load_tests_apply_scenarios


class StalledMeterTest(identity.IdentityTestCase):

    def refuse_volumes(self):
        """A constraint the volume records break, as a full column would."""
        with self.connection._engine.begin() as c:
            c.execute(sa.text(
                "ALTER TABLE usage_records ADD CONSTRAINT no_volumes "
                "CHECK (meter <> 'volume.size')"))

    def accept_volumes(self):
        with self.connection._engine.begin() as c:
            c.execute(sa.text(
                'ALTER TABLE usage_records DROP CONSTRAINT no_volumes'))

    def test_other_meters_close_and_the_stall_shows(self):
        _vol, trace = identity.transfer_trace()
        self.ingest(trace + [identity.swift_request(identity.ALICE, 5, 10)])
        self.refuse_volumes()
        self.close(120)
        self.close(120)
        # Swift's windows closed in spite of the volumes.
        self.assertEqual([(identity.ALICE, 10)], [
            (r.user_id, r.quantity)
            for r in self.records(identity.OUTGOING)])
        self.assertEqual([], self.records('volume.size'))
        stalled = self.connection.stalled_meters()
        self.assertEqual({'volume.size'}, set(stalled))
        self.assertEqual(2, stalled['volume.size']['attempts'])
        self.assertIn('no_volumes', stalled['volume.size']['reason'])
        stats = self.connection.stats_reader(
            self.conf.database.connection)()
        self.assertIn((('volume.size',), 2),
                      stats['scs_metering_meter_stalled'])
        check = status.Checks(self.conf)._stalled_meters()
        self.assertEqual(status.Code.FAILURE, check.code)
        self.assertIn('volume.size', check.details)
        # The cause dealt with, the next run closes them and forgets it.
        self.accept_volumes()
        self.close(120)
        self.assertEqual(3, len(self.records('volume.size')))
        self.assertEqual({}, self.connection.stalled_meters())
        self.assertEqual(status.Code.SUCCESS,
                         status.Checks(self.conf)._stalled_meters().code)
