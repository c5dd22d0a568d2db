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

    def test_second_engine_takes_the_first_ones_row(self):
        connection = self.database(self.backend)
        create = push.instance_event('c', ev.CREATE, T0, 'vm1')
        pause = push.instance_event('p', ev.UPDATE,
                                    T0 + datetime.timedelta(minutes=30),
                                    'vm1', state='paused')
        # The undecorated store: a duplicate would raise, not be retried.
        store = ingest.Ingestor.store.__wrapped__
        outcome = {}

        def second():
            try:
                outcome['result'] = store(ingest.Ingestor(connection),
                                          [pause])
            except Exception as exc:
                outcome['error'] = exc
        with connection.ingest_transaction() as tx:
            # The first engine has inserted vm1 and holds its row.
            tx.resources([('instance', 'vm1')])
            thread = threading.Thread(target=second)
            thread.start()
            # The second waits for it.
            thread.join(1)
            self.assertTrue(thread.is_alive())
        thread.join(30)
        self.assertNotIn('error', outcome)
        self.assertEqual(1, outcome['result'].stored)
        self.assertEqual(1, connection.count('Resource'))
        ingest.Ingestor(connection).store([create])
        periods = connection.periods('instance', 'vm1')
        self.assertEqual([(T0, 'active'),
                          (T0 + datetime.timedelta(minutes=30), 'paused')],
                         [(p.start, p.snapshot.state) for p in periods])
