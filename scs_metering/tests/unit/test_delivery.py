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
"""Delivery from the outbox to a real HTTP sink on loopback (SQLite)."""

import datetime
import threading
import time

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.publisher import delivery
from scs_metering.publisher import manager
from scs_metering.tests import base
from scs_metering.tests import push
from scs_metering.tests import webhook

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
SECOND = datetime.timedelta(seconds=1)


class DeliveryTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.config('publisher', backoff_initial=1, backoff_max=1,
                    linger=0)
        self.store = push.Store(self, self.connection)
        self.hook = webhook.Webhook()
        self.addCleanup(self.hook.stop)
        self.deliverer = delivery.Deliverer(self.conf, self.connection, 'a')
        self.addCleanup(self.deliverer.close)

    def http_sink(self, **options):
        options.setdefault('timeout', 1)
        return self.store.sink(driver='http', url=self.hook.url,
                               options=options)

    def fill(self, vms=2):
        self.store.ingest(push.vm_lives(T0, vms))
        self.store.close(T0 + 3 * push.HOUR)
        return self.store.records()

    def status(self, sink):
        return manager.status(self.connection, sink['id'])

    def wait_backoff(self, sink):
        retry_at = self.status(sink)['retry_at']
        self.assertIsNotNone(retry_at)
        now = datetime.datetime.now(datetime.timezone.utc)
        time.sleep(max(0, (retry_at - now).total_seconds()) + 0.05)

    def test_outbox_entries_follow_the_filters(self):
        usage = self.store.sink(driver='file',
                                url='file://%s/u' % self.tempdir,
                                filters={'kinds': ['usage']})
        life = self.store.sink(driver='file',
                               url='file://%s/l' % self.tempdir,
                               filters={'kinds': ['lifecycle'],
                                        'projects': ['p1']})
        self.store.ingest(push.vm_lives(T0, 1))
        # Lifecycle records are in the outbox as soon as they are stored.
        self.assertEqual(0, self.status(usage)['backlog'])
        self.assertEqual(3, self.status(life)['backlog'])
        self.store.close(T0 + 3 * push.HOUR)
        self.assertEqual(4, self.status(usage)['backlog'])
        self.assertEqual(3, self.status(life)['backlog'])

    def test_every_record_arrives_once_with_counters(self):
        sink = self.http_sink()
        expected = self.fill()
        self.assertEqual(14, self.deliverer.run_once())
        self.assertEqual(expected, set(self.hook.delivered))
        self.assertEqual({1}, set(self.hook.delivered.values()))
        status = self.status(sink)
        self.assertEqual((0, 14, 0, 0, None), (
            status['backlog'], status['delivered'],
            status['failed_attempts'], status['dead_letters'],
            status['oldest_pending_age']))
        self.assertIsNotNone(status['last_success_at'])
        self.assertEqual(0, self.deliverer.run_once())

    def test_transient_failures_back_the_sink_off_then_deliver(self):
        sink = self.http_sink(timeout=0.5)
        expected = self.fill()
        self.hook.then(('status', 500), ('status', 503), ('sleep', 1.5),
                       ('reset',), ('status', 408))
        for answer in ('HTTP 500', 'HTTP 503', 'Timeout', 'Connection',
                       'HTTP 408'):
            self.assertEqual(0, self.deliverer.run_once())
            status = self.status(sink)
            self.assertIn(answer, status['last_error'])
            self.assertEqual(14, status['backlog'])
            # Backing off: no request until the rest is over.
            requests = len(self.hook.requests)
            self.assertEqual(0, self.deliverer.run_once())
            self.assertEqual(requests, len(self.hook.requests))
            self.wait_backoff(sink)
        self.assertEqual(14, self.deliverer.run_once())
        self.assertEqual(expected, set(self.hook.delivered))
        status = self.status(sink)
        self.assertEqual((5, 0, None), (status['failed_attempts'],
                                        status['backlog'],
                                        status['retry_at']))

    def test_retry_after_is_honoured(self):
        sink = self.http_sink()
        self.fill(1)
        self.hook.then(('status', 429, {'Retry-After': '30'}))
        before = timeutils.utcnow()
        self.deliverer.run_once()
        retry_at = self.status(sink)['retry_at']
        self.assertGreaterEqual(retry_at, before + 29 * SECOND)
        self.assertEqual(0, self.deliverer.run_once())
        self.assertEqual(1, len(self.hook.requests))

    def test_refused_batch_is_a_dead_letter_until_retried(self):
        sink = self.http_sink()
        expected = self.fill(1)
        self.hook.then(('status', 400, {}, '{"error": "unknown meter"}'))
        self.assertEqual(0, self.deliverer.run_once())
        status = self.status(sink)
        self.assertEqual((0, 7, None), (status['backlog'],
                                        status['dead_letters'],
                                        status['retry_at']))
        letters = manager.dead_letters(self.connection, sink['id'])
        self.assertEqual(7, len(letters))
        self.assertIn('HTTP 400', letters[0]['answer'])
        self.assertIn('"error": "unknown meter"', letters[0]['answer'])
        self.assertEqual(0, self.deliverer.run_once())
        # The sink was fixed: a retry delivers the same records.
        self.assertEqual(7, manager.retry_dead_letters(self.connection,
                                                       sink['id']))
        self.assertEqual(7, self.deliverer.run_once())
        self.assertEqual(expected, set(self.hook.delivered))
        self.assertEqual(0, self.status(sink)['dead_letters'])

    def test_a_paused_sink_keeps_its_backlog(self):
        sink = self.http_sink()
        self.fill(1)
        manager.pause(self.connection, sink['id'])
        self.assertEqual(0, self.deliverer.run_once())
        self.assertEqual([], self.hook.requests)
        self.assertTrue(self.status(sink)['paused'])
        manager.resume(self.connection, sink['id'])
        self.assertEqual(7, self.deliverer.run_once())

    def test_expired_claim_is_sent_again_under_the_same_ids(self):
        sink = self.http_sink()
        self.fill(1)
        now = timeutils.utcnow()
        lease = datetime.timedelta(seconds=5)
        token, first = self.connection.claim_deliveries(
            sink['id'], 'dead-engine', 100, lease, now)
        self.assertEqual(7, len(first))
        # Claimed: nobody else gets them while the lease runs.
        self.assertEqual((None, []), self.connection.claim_deliveries(
            sink['id'], 'b', 100, lease, now + 4 * SECOND))
        _token, again = self.connection.claim_deliveries(
            sink['id'], 'b', 100, lease, now + 6 * SECOND)
        self.assertEqual([e['id'] for e in first], [e['id'] for e in again])
        # The dead engine's late answer no longer counts.
        self.assertEqual(0, self.connection.finish_deliveries(
            sink['id'], token, models.DELIVERED, now))

    def test_concurrency_limits_batches_in_flight(self):
        sink = self.http_sink()
        self.fill(1)
        now = timeutils.utcnow()
        lease = datetime.timedelta(seconds=60)
        token, first = self.connection.claim_deliveries(
            sink['id'], 'a', 3, lease, now, concurrency=2)
        _token, second = self.connection.claim_deliveries(
            sink['id'], 'b', 3, lease, now, concurrency=2)
        self.assertEqual((3, 3), (len(first), len(second)))
        self.assertEqual((None, []), self.connection.claim_deliveries(
            sink['id'], 'c', 3, lease, now, concurrency=2))
        self.connection.finish_deliveries(sink['id'], token, models.DELIVERED,
                                          now)
        self.assertEqual(1, len(self.connection.claim_deliveries(
            sink['id'], 'c', 3, lease, now, concurrency=2)[1]))

    def test_linger_waits_for_a_fuller_batch(self):
        sink = self.http_sink(batch_size=100, linger=60)
        self.fill(1)
        self.assertIsNone(self.deliverer.deliver_batch(sink))
        later = timeutils.utcnow() + 61 * SECOND
        self.assertEqual(7, self.deliverer.deliver_batch(sink, later))

    def test_batches_are_cut_at_the_batch_size(self):
        self.http_sink(batch_size=5)
        self.fill(2)
        self.assertEqual(14, self.deliverer.run_once())
        self.assertEqual([5, 5, 4],
                         [len(r[1]) for r in self.hook.requests])

    def test_one_deliverer_at_a_time_on_sqlite(self):
        other = delivery.Deliverer(self.conf, self.connection, 'b')
        now = timeutils.utcnow()
        self.assertTrue(self.deliverer.may_deliver(now))
        self.assertFalse(other.may_deliver(now))
        self.assertTrue(self.deliverer.may_deliver(now + SECOND))
        expired = now + datetime.timedelta(
            seconds=self.conf.publisher.lease + 2)
        self.assertTrue(other.may_deliver(expired))
        self.assertFalse(self.deliverer.may_deliver(expired))

    def test_backoff_doubles_with_jitter_up_to_the_cap(self):
        for failures, low, high in ((1, 0.5, 1), (2, 1, 2), (4, 4, 8),
                                    (30, 30, 60)):
            delays = [delivery.backoff(failures, 1, 60) for _ in range(50)]
            self.assertTrue(all(low <= d <= high for d in delays), delays)
        self.assertEqual(120, delivery.backoff(1, 1, 60, retry_after=120))

    def test_a_released_lease_is_taken_at_once(self):
        # Issue 13, finding 11: a second replay into one database waited
        # for the first one's lease.
        other = delivery.Deliverer(self.conf, self.connection, 'b')
        now = timeutils.utcnow()
        self.assertTrue(self.deliverer.may_deliver(now))
        other.release()  # not its lease: nothing changes
        self.assertFalse(other.may_deliver(now))
        self.deliverer.release()
        self.assertTrue(other.may_deliver(now))

    def test_a_claim_is_renewed_while_its_batch_is_sent(self):
        # Issue 13, finding 10: claims are short, so the sends that take
        # longer than the lease must keep theirs.
        self.config('publisher', lease=3)
        sink = self.http_sink(timeout=30)
        self.fill(vms=1)
        self.hook.then(('sleep', 5))
        sender = threading.Thread(target=self.deliverer.deliver_batch,
                                  args=(sink,), kwargs={'drain': True})
        sender.start()
        self.addCleanup(sender.join)
        self.hook.arrived.wait(10)
        time.sleep(3.5)  # past the first lease
        self.assertEqual(len(self.hook.requests[0][1]),
                         self.status(sink)['in_flight'])
        _token, entries = self.connection.claim_deliveries(
            sink['id'], 'b', 100, datetime.timedelta(seconds=3),
            timeutils.utcnow())
        self.assertEqual([], entries)
        sender.join(30)
        self.assertEqual(1, len(self.hook.requests))
        self.assertEqual(0, self.status(sink)['backlog'])
