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
"""One group the database refuses parks alone (issue 13, isolation).

A single refused group of a window used to stall the whole resource
type: every project's records of that meter stopped. Now the window is
tried group by group; the refused group is parked with its reason, the
other groups' records are stored and queued for delivery, and the
parked group is tried again on each run until it is stored.
"""

import subprocess
import uuid

import sqlalchemy as sa
import testscenarios

from scs_metering.command import status
from scs_metering.tests import base as test_base
from scs_metering.tests.functional import test_usage_identity as identity

load_tests = testscenarios.load_tests_apply_scenarios

ALICE, BOB = identity.ALICE, identity.BOB


class ParkedGroupTest(identity.IdentityTestCase):

    def refuse_bob(self):
        """A constraint Bob's volume records break, as a bad value would."""
        with self.connection._engine.begin() as c:
            c.execute(sa.text(
                "ALTER TABLE usage_records ADD CONSTRAINT no_bob "
                "CHECK (meter <> 'volume.size' OR user_id <> '%s')" % BOB))

    def accept_bob(self):
        with self.connection._engine.begin() as c:
            c.execute(sa.text(
                'ALTER TABLE usage_records DROP CONSTRAINT no_bob'))

    def outbox(self):
        with self.connection._engine.begin() as c:
            return {row[0] for row in c.execute(sa.text(
                "SELECT DISTINCT o.record_id FROM outbox o JOIN "
                "usage_records u ON u.id = o.record_id "
                "WHERE u.meter = 'volume.size'"))}

    def usage(self):
        return [(r.window_start, r.user_id, r.quantity)
                for r in self.records('volume.size')]

    def test_a_refused_group_parks_alone(self):
        _vol, trace = identity.transfer_trace()
        # Alice's own volume: plain in both windows, beside Bob's.
        own = str(uuid.uuid4())
        self.connection.put_sink({
            'name': 'all', 'driver': 'file',
            'url': 'file://%s/all.jsonl' % self.tempdir, 'format': 'native',
            'options': {}, 'filters': {}})
        trace.append(identity.volume('volume.create.end', own, ALICE, 0))
        self.ingest(trace)
        self.refuse_bob()
        self.close(120)
        self.assertEqual({}, self.connection.stalled_meters())
        self.assertEqual(
            [(identity.T0, ALICE, 18000), (identity.T0, ALICE, 36000),
             (identity.at(60), ALICE, 36000)], sorted(self.usage()))
        self.assertEqual({r.id for r in self.records('volume.size')},
                         self.outbox())
        parked = self.connection.parked_groups()
        self.assertEqual(
            [(identity.at(60), BOB), (identity.T0, BOB)],
            sorted(((p['window_start'], p['user_id']) for p in parked),
                   reverse=True))
        self.assertTrue(all('no_bob' in p['reason'] for p in parked))
        self.assertEqual(2, self.connection.parked_count())
        stats = self.connection.stats_reader(
            self.conf.database.connection)()
        self.assertIn((('volume.size',), 2),
                      stats['scs_metering_parked_groups'])
        check = status.Checks(self.conf)._parked_groups()
        self.assertEqual(status.Code.WARNING, check.code)
        self.assertIn(BOB, check.details)
        # Still refused: the next run counts one more attempt.
        self.close(120)
        self.assertEqual([2, 2], [
            p['attempts'] for p in self.connection.parked_groups()])
        # The cause dealt with, the next run stores them and unparks.
        self.accept_bob()
        self.assertIn('Retried 2 parked groups: 2 stored, 0 still parked',
                      self.manage('parked', 'retry', '--meter',
                                  'volume.size'))
        self.assertEqual(
            [(identity.T0, ALICE, 18000), (identity.T0, ALICE, 36000),
             (identity.T0, BOB, 18000), (identity.at(60), ALICE, 36000),
             (identity.at(60), BOB, 36000)], sorted(self.usage()))
        self.assertEqual([], self.connection.parked_groups())
        self.assertEqual({r.id for r in self.records('volume.size')},
                         self.outbox())
        self.assertEqual(status.Code.SUCCESS,
                         status.Checks(self.conf)._parked_groups().code)

    def manage(self, *args):
        config = self.write_file('manage.conf', '[database]\nconnection = '
                                 '%s\n' % self.conf.database.connection)
        done = subprocess.run(
            [test_base.console_script('scs-metering-manage'),
             '--config-file', config] + list(args), cwd=self.tempdir,
            capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stderr)
        return done.stdout
