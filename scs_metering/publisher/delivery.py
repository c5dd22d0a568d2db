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
"""Sending outbox entries to their sinks.

A deliverer claims a batch of a sink's due entries for a lease, formats
the records and hands them to the sink's driver. Then:

- delivered: the entries are done;
- a permanent failure (the sink refuses the records): they go to the
  sink's dead letters with its answer, until retried;
- anything else is transient: the entries stay pending and the sink
  rests for an exponential, jittered backoff (or as long as Retry-After
  asks), then the same records are sent again under the same ids.

A claim is short (``[publisher] lease``, 10 s by default) and renewed
every third of it while its batch is being sent, however long the sink
takes. So a deliverer that dies, even by kill -9, holds its batches and
its share of the sink's concurrency for one lease at most; the batch is
then sent again by another engine, which the sink accepts as a duplicate
of the same record revision.
"""

import datetime
import random
import threading

from oslo_log import log

from scs_metering.db import models
from scs_metering import metrics
from scs_metering.publisher import addresses
from scs_metering.publisher import base
from scs_metering.publisher import confinement
from scs_metering.publisher import loader
from scs_metering.publisher import manager

LOG = log.getLogger(__name__)

# The lease that makes one engine the deliverer on SQLite.
LEADER_LEASE = 'deliverer'


def _now():
    # Delivery timing is finer than the whole seconds of usage: a backoff
    # of half a second must not round to nothing.
    return datetime.datetime.now(datetime.timezone.utc)


def backoff(failures, initial, maximum, retry_after=None):
    """Seconds to rest after ``failures`` failures in a row.

    Doubles from ``initial`` up to ``maximum``, drawn from the upper half
    so that engines do not retry in step; a sink's Retry-After wins when
    longer.
    """
    delay = min(maximum, initial * 2 ** min(max(failures - 1, 0), 30))
    delay = random.uniform(delay / 2, delay)
    return max(delay, float(retry_after or 0))


class Renewal:
    """Renews a claim while its batch is sent; a context manager.

    Without it a claim would have to outlast the slowest send, and a dead
    deliverer's claims would block its batches for as long.
    """

    def __init__(self, connection, sink, token, lease):
        self.connection = connection
        self.sink = sink
        self.token = token
        self.lease = lease
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name='renew-%s' % token, daemon=True)

    def _run(self):
        period = self.lease.total_seconds() / 3
        while not self._done.wait(period):
            try:
                held = self.connection.renew_deliveries(
                    self.sink['id'], self.token, self.lease, _now())
            except Exception:
                LOG.exception('Cannot renew a claim on sink %s; retrying',
                              self.sink['name'])
                continue
            if not held:
                # Expired before renewal (a stalled process): another
                # engine may send the batch too, under the same ids.
                LOG.warning('A claim on sink %s expired while its batch '
                            'was sent', self.sink['name'])
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join()


class Deliverer:
    """Delivers batches, one at a time; one per thread."""

    def __init__(self, conf, connection, owner):
        self.conf = conf
        self.connection = connection
        self.owner = owner
        self.policy = addresses.Policy.from_conf(conf)
        self.confinement = confinement.Confinement.from_conf(conf)
        self._loaded = {}  # sink id -> (definition, driver, format)

    def settings(self, sink):
        """(batch size, linger, concurrency) of a sink."""
        defaults = self.conf.publisher
        given = sink['options'] or {}
        batch_size = given.get('batch_size') or defaults.batch_size
        limit = loader.format_class(sink['format']).max_batch
        return (min(batch_size, limit) if limit else batch_size,
                given.get('linger', defaults.linger),
                given.get('concurrency') or defaults.concurrency)

    def may_deliver(self, now=None):
        """False while another engine holds the deliverer lease.

        Only where the database needs a delivery leader (SQLite).
        """
        if not self.connection.needs_delivery_leader:
            return True
        return self.connection.acquire_lease(
            LEADER_LEASE, self.owner,
            datetime.timedelta(seconds=self.conf.publisher.lease),
            now or _now())

    def _load(self, sink):
        loaded = self._loaded.get(sink['id'])
        if loaded is None or loaded[0] != sink:
            if loaded is not None:
                loaded[1].close()
            self._loaded.pop(sink['id'], None)
            usable = manager.usable(self.conf, sink)
            driver = loader.load_sink(usable)
            try:
                driver.confine(self.confinement)
            except base.SinkError:
                driver.close()
                raise
            driver.guard(self.policy)
            self._loaded[sink['id']] = (
                sink, driver,
                loader.load_format(sink['format'], sink['options']))
        return self._loaded[sink['id']][1:]

    def deliver_batch(self, sink, now=None, drain=False):
        """Claim and send one batch of a sink.

        Returns None when nothing was claimed, else how many records the
        sink took (0 after a failure). ``drain`` sends a batch that is not
        full without waiting for the sink's linger.
        """
        batch_size, linger, concurrency = self.settings(sink)
        if drain:
            linger = 0
        lease = datetime.timedelta(seconds=self.conf.publisher.lease)
        token, entries = self.connection.claim_deliveries(
            sink['id'], self.owner, batch_size, lease, now or _now(),
            linger=datetime.timedelta(seconds=linger),
            concurrency=concurrency)
        if not entries:
            return None
        try:
            driver, fmt = self._load(sink)
            found = self.connection.outbox_records(entries)
            records = [found[(e['kind'], e['record_id'], e['revision'])]
                       for e in entries]
            documents = self._documents(fmt, records)
            batch = base.Batch(records, documents, fmt.encode(documents),
                               fmt.content_type, fmt)
            with Renewal(self.connection, sink, token, lease):
                driver.send(batch)
        except base.PermanentError as exc:
            LOG.error('Sink %s refused %d records; they are dead letters '
                      'until retried: %s', sink['name'], len(entries), exc)
            self.connection.finish_deliveries(
                sink['id'], token, models.DEAD, _now(),
                error=str(exc), answer=exc.answer or str(exc))
            return 0
        except Exception as exc:
            # Transient unless the sink said otherwise: an unexpected
            # failure must never drop a record.
            self._retry(sink, token, exc)
            return 0
        delivered_at = _now()
        self.connection.finish_deliveries(sink['id'], token, models.DELIVERED,
                                          delivered_at)
        for entry in entries:
            waited = delivered_at - entry['created_at']
            metrics.observe('scs_metering_sink_delivery_latency_seconds',
                            waited.total_seconds(), sink=sink['name'])
        LOG.debug('Delivered %d records to sink %s', len(entries),
                  sink['name'])
        return len(entries)

    def _documents(self, fmt, records):
        if not fmt.needs_previous:
            return [fmt.document(r) for r in records]
        # Revision n - 1 of each rated line, for formats that send what
        # changed (lago).
        previous = self.connection.rated_revisions(
            {(r.id, r.revision - 1) for r in records
             if models.kind_of(r) == models.RATED_USAGE and r.revision > 1})
        return [fmt.document(r, previous.get((r.id, r.revision - 1)))
                for r in records]

    def _retry(self, sink, token, exc):
        if isinstance(exc, (base.TransientError, base.SinkError)):
            LOG.warning('Delivery to sink %s failed, will retry: %s',
                        sink['name'], exc)
        else:
            LOG.exception('Delivery to sink %s failed, will retry',
                          sink['name'])
        conf = self.conf.publisher
        retry_after = getattr(exc, 'retry_after', None)
        self.connection.finish_deliveries(
            sink['id'], token, models.RETRY, _now(),
            error='%s: %s' % (type(exc).__name__, exc),
            retry_delay=lambda failures: backoff(
                failures, conf.backoff_initial, conf.backoff_max,
                retry_after))

    def run_once(self, now=None):
        """Deliver every due record of every sink; return how many."""
        if not self.may_deliver(now):
            return 0
        sent = 0
        for sink in self.connection.sinks():
            while True:
                done = self.deliver_batch(sink, now, drain=True)
                if done is None:
                    break
                sent += done
        return sent

    def release(self):
        """Give up the delivery lease at a clean exit (SQLite).

        The next engine, or the next replay into the same database,
        delivers at once instead of waiting for the lease to expire.
        """
        if self.connection.needs_delivery_leader:
            self.connection.release_lease(LEADER_LEASE, self.owner)

    def close(self):
        for _sink, driver, _format in self._loaded.values():
            driver.close()
        self._loaded.clear()
