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
"""Two engines storing events of the same new resource at once.

The second waits for the first to commit its new resource row and goes
on with it, in its first attempt: no duplicate error, no retry of the
whole batch.
"""

import dataclasses
import datetime
import threading

import testscenarios

from scs_metering.common import timeutils
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.tests.functional import base
from scs_metering.tests import push

load_tests = testscenarios.load_tests_apply_scenarios

T0 = timeutils.window_floor(timeutils.utcnow(), 3600) - datetime.timedelta(
    hours=3)


class ConcurrentNewResourceTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def store_while_locked(self, connection, first, second):
        """Run second() in a thread while first(tx)'s transaction is open.

        The second engine must wait for the first one's commit, then
        succeed; returns what second() returned.
        """
        outcome = {}

        def run():
            try:
                outcome['result'] = second()
            except Exception as exc:
                outcome['error'] = exc
        with connection.ingest_transaction() as tx:
            first(tx)
            thread = threading.Thread(target=run)
            thread.start()
            thread.join(1)
            self.assertTrue(thread.is_alive())
        thread.join(30)
        self.assertNotIn('error', outcome)
        return outcome['result']

    def test_second_engine_takes_the_first_ones_row(self):
        connection = self.database(self.backend)
        create = push.instance_event('c', ev.CREATE, T0, 'vm1')
        pause = push.instance_event('p', ev.UPDATE,
                                    T0 + datetime.timedelta(minutes=30),
                                    'vm1', state='paused')
        # The undecorated store: a duplicate would raise, not be retried.
        store = ingest.Ingestor.store.__wrapped__
        # The first engine has inserted vm1 and holds its row.
        result = self.store_while_locked(
            connection, lambda tx: tx.resources([('instance', 'vm1')]),
            lambda: store(ingest.Ingestor(connection), [pause]))
        self.assertEqual(1, result.stored)
        self.assertEqual(1, connection.count('Resource'))
        ingest.Ingestor(connection).store([create])
        periods = connection.periods('instance', 'vm1')
        self.assertEqual([(T0, 'active'),
                          (T0 + datetime.timedelta(minutes=30), 'paused')],
                         [(p.start, p.snapshot.state) for p in periods])

    def test_second_engine_sees_what_the_first_committed(self):
        # The chaos suite's double billing: a delete notification and the
        # reconciler's inferred delete of the same server, stored at
        # once. The second read the server before the first committed,
        # then locked it and folded its delete onto the stale open life:
        # two periods, the life billed twice.
        connection = self.database(self.backend)
        hour = datetime.timedelta(hours=1)
        ingestor = ingest.Ingestor(connection)
        ingestor.store([push.instance_event('c', ev.CREATE, T0, 'vm1')])
        deleted = push.instance_event('d', ev.DELETE, T0 + 2 * hour, 'vm1')
        inferred = dataclasses.replace(
            push.instance_event('r', ev.DELETE, T0 + hour, 'vm1'),
            provenance=ev.RECONCILIATION, time_min=T0 + hour,
            time_max=T0 + 3 * hour)
        # The first engine applies the delete and holds the row.
        self.store_while_locked(
            connection,
            lambda tx: ingestor._apply(tx, [deleted], ingest.IngestResult()),
            lambda: ingestor.store([inferred]))
        # One life, as when the same events come one after the other.
        for event in (push.instance_event('c2', ev.CREATE, T0, 'vm2'),
                      dataclasses.replace(deleted, id='d2', resource_id='vm2'),
                      dataclasses.replace(inferred, id='r2',
                                          resource_id='vm2')):
            ingestor.store([event])
        periods = {vm: [(p.start, p.end) for p in connection.periods(
            'instance', vm)] for vm in ('vm1', 'vm2')}
        self.assertEqual(1, len(periods['vm1']))
        self.assertEqual(periods['vm2'], periods['vm1'])
