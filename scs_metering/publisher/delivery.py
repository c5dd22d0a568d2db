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
"""Delivery of outbox entries to their sinks.

Entries are claimed for a lease, sent in batches, then marked delivered,
retried with exponential backoff and jitter, or dead-lettered. A claim
that outlives a crashed deliverer expires and the batch is sent again,
under the same record ids.
"""

import datetime
import random

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import rows
from scs_metering.publisher import base
from scs_metering.publisher import loader

LOG = log.getLogger(__name__)

LEASE = datetime.timedelta(seconds=300)
BACKOFF_BASE = 1.0
BACKOFF_MAX = 600.0


def backoff(attempts, retry_after=None):
    """Seconds before the next attempt: exponential, jittered, capped."""
    delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(attempts, 20))
    delay = random.uniform(delay / 2, delay)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


class Deliverer:
    """Sends due outbox entries of every active sink."""

    def __init__(self, connection, owner, batch_size=500):
        self.connection = connection
        self.owner = owner
        self.batch_size = batch_size
        self._drivers = {}
        self._formats = {}

    def _driver(self, sink):
        key = (sink['id'], repr(sorted(sink.items())))
        cached = self._drivers.get(sink['id'])
        if cached is None or cached[0] != key:
            if cached is not None:
                cached[1].close()
            self._drivers[sink['id']] = (key, loader.load_sink(sink))
        return self._drivers[sink['id']][1]

    def _format(self, name):
        if name not in self._formats:
            self._formats[name] = loader.load_format(name)
        return self._formats[name]

    def run_once(self, now=None):
        """One pass over all sinks; return the number delivered."""
        delivered = 0
        for sink in self.connection.sinks():
            if sink['paused']:
                continue
            while True:
                done = self._deliver_batch(sink, now or timeutils.utcnow())
                delivered += done
                if done < self.batch_size:
                    break
        return delivered

    def _deliver_batch(self, sink, now):
        entries = self.connection.claim_deliveries(
            sink['id'], self.owner, self.batch_size, LEASE, now)
        if not entries:
            return 0
        ids = [e['id'] for e in entries]
        try:
            driver = self._driver(sink)
            fmt = self._format(sink['format'])
        except base.SinkError as exc:
            LOG.error('Sink %s is unusable: %s', sink['name'], exc)
            self._retry(sink, entries, str(exc), now)
            return 0
        keys = [(e['record_id'], e['revision']) for e in entries]
        records = self.connection.record_revisions(keys)
        documents = [fmt.document(records[k]) for k in keys]
        batch = base.Batch(documents, fmt.encode(documents),
                           fmt.content_type, keys)
        try:
            driver.send(batch)
        except base.PermanentError as exc:
            LOG.error('Sink %s refused %d records, dead-lettered: %s',
                      sink['name'], len(ids), exc)
            self.connection.finish_deliveries(
                sink['id'], ids, self.owner, rows.DEAD, now,
                error=exc.answer or str(exc))
            return 0
        except Exception as exc:
            # Transient by default: an unexpected failure must never drop
            # a record.
            retry_after = getattr(exc, 'retry_after', None)
            LOG.warning('Delivery of %d records to sink %s failed, will '
                        'retry: %s', len(ids), sink['name'], exc)
            self._retry(sink, entries, str(exc), now, retry_after)
            return 0
        self.connection.finish_deliveries(sink['id'], ids, self.owner,
                                          rows.DELIVERED, now)
        return len(ids)

    def _retry(self, sink, entries, error, now, retry_after=None):
        attempts = max(e['attempts'] for e in entries)
        retry_at = now + datetime.timedelta(
            seconds=backoff(attempts, retry_after))
        self.connection.finish_deliveries(
            sink['id'], [e['id'] for e in entries], self.owner, rows.RETRY,
            now, error=error, retry_at=retry_at)
