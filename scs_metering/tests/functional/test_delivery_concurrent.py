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
"""Several deliverers sharing one outbox never send a record twice at once.

First at the database level, threads claiming from PostgreSQL and MariaDB
with their own connections; then two real engine processes delivering
one PostgreSQL outbox to a webhook that counts what it receives.
"""

import collections
import datetime
import os
import re
import threading
import time

import fixtures
import sqlalchemy as sa
import testscenarios

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import push
from scs_metering.tests import webhook

load_tests = testscenarios.load_tests_apply_scenarios

DELIVERED = re.compile(r'Delivered (\d+) records to sink')


class ClaimTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def test_concurrent_claims_are_disjoint_and_limited(self):
        connection = self.database(self.backend)
        sink = connection.put_sink({'name': 's', 'driver': 'file',
                                    'format': 'native', 'options': {},
                                    'filters': {}})
        now = timeutils.to_db(timeutils.utcnow())
        with connection._writer() as session:
            session.execute(sa.insert(models.Outbox), [
                {'sink_id': sink['id'], 'kind': 'usage',
                 'record_id': 'r%d' % n, 'revision': 1,
                 'state': api_models.PENDING, 'attempts': 0,
                 'next_attempt_at': now, 'created_at': now}
                for n in range(300)])
        claimed = collections.Counter()
        lock = threading.Lock()
        in_flight = [0, 0]  # now, most ever
        errors = []

        def deliver(owner):
            mine = db_api.get_connection(self.conf)
            try:
                while True:
                    token, entries = mine.claim_deliveries(
                        sink['id'], owner, 7, datetime.timedelta(
                            seconds=60), timeutils.utcnow(), concurrency=3)
                    if not entries:
                        with mine._reader() as session:
                            if not session.scalar(sa.select(
                                    sa.func.count()).where(
                                    models.Outbox.state ==
                                    api_models.PENDING)):
                                return
                        time.sleep(0.005)
                        continue
                    with lock:
                        claimed.update(e['id'] for e in entries)
                        in_flight[0] += 1
                        in_flight[1] = max(in_flight)
                    time.sleep(0.01)
                    with lock:
                        in_flight[0] -= 1
                    mine.finish_deliveries(sink['id'], token,
                                           api_models.DELIVERED,
                                           timeutils.utcnow())
            except Exception as exc:
                errors.append(exc)
            finally:
                mine.dispose()

        threads = [threading.Thread(target=deliver, args=('t%d' % n,))
                   for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual([], errors)
        self.assertEqual(300, len(claimed))
        self.assertEqual({1}, set(claimed.values()))
        self.assertLessEqual(in_flight[1], 3)
        self.assertEqual(300, connection.sink_status(sink['id'])[
            'delivered'])


class TwoEnginesTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database('postgresql')
        self.store = push.Store(self, self.connection)
        self.hook = webhook.Webhook(default=('sleep', 0.1))
        self.addCleanup(self.hook.stop)
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        override = os.path.join(self.pipeline.directory, 'push.conf')
        with open(override, 'w') as f:
            f.write('[DEFAULT]\ndebug = true\n[publisher]\n'
                    'secret_keys = %s\n' % ','.join(
                        self.conf.publisher.secret_keys))
        directory = self.useFixture(fixtures.TempDir()).path
        self.engines = [self.pipeline.engine, services.Service(
            'engine', self.pipeline.config, directory)]
        for engine in self.engines:
            engine.configs.append(override)
            self.addCleanup(self.stop, engine)

    def stop(self, engine):
        if engine.running():
            engine.stop()

    def test_two_engines_share_one_outbox(self):
        t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * push.HOUR
        self.store.sink(name='erp', driver='http', url=self.hook.url,
                        options={'batch_size': 10, 'linger': 0,
                                 'concurrency': 3, 'timeout': 10})
        self.store.ingest(push.vm_lives(t0, 60))
        self.store.close(t0 + 4 * push.HOUR)
        expected = self.store.records()
        self.assertEqual(420, len(expected))
        for engine in self.engines:
            engine.start()

        def done():
            for engine in self.engines:
                self.assertTrue(engine.running(), engine.read_log())
            return set(self.hook.delivered) >= expected and (
                self.connection.sink_status(
                    self.connection.sinks()[0]['id'])['backlog'] == 0)
        services.wait_for(done, timeout=90, what='every record delivered')
        self.assertEqual(expected, set(self.hook.delivered))
        # No failure, so no resend: each record arrived exactly once.
        self.assertEqual({1}, set(self.hook.delivered.values()))
        self.assertEqual([], self.hook.overlaps)
        # Batches did run in parallel, within the sink's limit of 3.
        self.assertGreaterEqual(self.hook.max_in_flight, 2)
        self.assertLessEqual(self.hook.max_in_flight, 3)
        sent = [sum(int(n) for n in DELIVERED.findall(e.read_log()))
                for e in self.engines]
        self.assertEqual(420, sum(sent))
        self.assertTrue(all(sent), sent)
