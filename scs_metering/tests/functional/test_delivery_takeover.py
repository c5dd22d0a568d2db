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
"""A killed engine's claims are taken over within seconds (PostgreSQL).

Issue 13, finding 10: after kill -9 of an engine, no sink got anything,
new records included, for about 5 minutes, until the dead engine's 300 s
claims expired: they filled the sink's concurrency. Claims are now short
and renewed while a batch is sent; this test kills a real engine process
in the middle of two sends and measures how long the other engine takes
to deliver everything, old and new records.
"""

import os
import re
import threading
import time

import fixtures
from testtools import content

from scs_metering.common import timeutils
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import push
from scs_metering.tests import webhook

LEASE = 10  # [publisher] lease, its default
BOUND = 30  # seconds from the kill until new records flow (the issue's)
STARTED = re.compile(r'Engine \S+ started')


class TakeoverTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database('postgresql')
        self.store = push.Store(self, self.connection)
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        self.hook = webhook.Webhook()
        self.addCleanup(self.hook.stop)
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        override = os.path.join(self.pipeline.directory, 'push.conf')
        with open(override, 'w') as f:
            f.write('[publisher]\nlease = %d\nsecret_keys = %s\n' % (
                LEASE, ','.join(self.conf.publisher.secret_keys)))
        self.killed = self.pipeline.engine
        self.survivor = services.Service(
            'engine', self.pipeline.config,
            self.useFixture(fixtures.TempDir()).path)
        for engine in (self.killed, self.survivor):
            engine.configs.append(override)
            self.addCleanup(self.stop, engine)

    def stop(self, engine):
        if engine.running():
            engine.stop()

    def answered(self, after):
        """Keys answered with 2xx by requests after the first ``after``."""
        with self.hook.lock:
            requests = list(self.hook.requests[after:])
        return {k for _h, keys, code in requests
                if code and 200 <= code < 300 for k in keys}

    def test_kill_9_mid_send(self):
        t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * push.HOUR
        self.store.sink(name='erp', driver='http', url=self.hook.url,
                        options={'batch_size': 10, 'linger': 0,
                                 'concurrency': 2, 'timeout': 120})
        self.store.ingest(push.vm_lives(t0, 10))
        self.store.close(t0 + 4 * push.HOUR)
        # The first two batches hang in the sink until the test ends: the
        # engine holds both claims of the sink's concurrency.
        self.hook.then(('hang', self.release), ('hang', self.release))
        self.killed.start()
        services.wait_for(lambda: len(self.hook.requests) >= 2, timeout=60,
                          what='two batches in flight')
        hung = {k for _h, keys, _c in self.hook.requests for k in keys}
        # The other engine starts meanwhile and finds the concurrency
        # taken. The claims outlive their lease: they are renewed.
        self.survivor.start()
        services.wait_for(
            lambda: STARTED.search(self.survivor.read_log()), timeout=60,
            what='the second engine started')
        time.sleep(LEASE * 1.5)
        self.assertEqual(2, len(self.hook.requests),
                         'a live claim was taken over')
        self.assertTrue(self.killed.running())

        self.killed.kill()
        killed_at = time.monotonic()
        # Usage that happens after the kill: the survivor closes its
        # windows and delivers the new records too.
        self.store.ingest(push.vm_lives(t0 + 4 * push.HOUR, 5,
                                        prefix='late'))

        def delivered():
            self.assertTrue(self.survivor.running(),
                            self.survivor.read_log())
            expected = self.store.records()
            late = any(r.resource_id.startswith('late')
                       for r in self.connection.current_records())
            return late and self.answered(2) >= expected
        services.wait_for(delivered, timeout=BOUND + 30, interval=0.2,
                          what='every record delivered by the survivor')
        took = time.monotonic() - killed_at
        self.addDetail('takeover', content.text_content(
            'all records delivered %.1f s after kill -9 (lease %d s)'
            % (took, LEASE)))
        self.assertLess(took, BOUND)
        self.assertEqual(set(), hung - self.answered(2))
