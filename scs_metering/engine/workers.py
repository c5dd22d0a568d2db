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
"""The engine's worker threads, besides the listener of the internal topic.

- WindowClosing closes settled windows into usage records.
- Delivering runs every ``[publisher] interval`` seconds: it reads the
  sinks and keeps, for each active one, as many Sender threads as the
  sink's concurrency allows. A sender delivers batches back to back while
  there are some, then sleeps until the next interval. Where the database
  needs a delivery leader (SQLite) only the engine holding the lease
  sends.
- Purging deletes old delivered outbox entries.
- Rating rates closed usage and issues the invoices that are due
  (billing/biller.py).
- Throttling evaluates the throttling rules and enforces their decisions
  (engine/throttling.py).
"""

import datetime
import threading

from oslo_log import log

from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.publisher import delivery

LOG = log.getLogger(__name__)


class WindowClosing(periodic.PeriodicWorker):
    """Runs the window closer every ``[engine] close_interval`` seconds.

    Pending corrections (those asked for through the API) are applied
    first, so that the windows they change are re-closed in the same run.
    """

    def __init__(self, closer, interval, corrector=None):
        super().__init__('window-closer', interval)
        self.closer = closer
        self.corrector = corrector

    def run_once(self):
        if self.corrector is not None:
            applied = self.corrector.apply_pending()
            if applied:
                LOG.info('Applied %d corrections', applied)
        written = self.closer.run()
        if written:
            LOG.info('Wrote %d usage records', written)

    def stop(self):
        # A long backlog of windows must not hold up a shutdown.
        self.closer.stop()
        super().stop()


class Rating(periodic.PeriodicWorker):
    """Runs the biller every ``[billing] interval`` seconds."""

    def __init__(self, biller, interval):
        super().__init__('rating', interval)
        self.biller = biller

    def run_once(self):
        for invoice in self.biller.run():
            LOG.info('Issued invoice %s (%s) of subscription %s',
                     invoice.id, invoice.document['number'] or 'draft',
                     invoice.document['subscription_id'])


class Throttling(periodic.PeriodicWorker):
    """Runs the throttling evaluator every ``[throttling] interval``."""

    def __init__(self, throttler, interval):
        super().__init__('throttling', interval)
        self.throttler = throttler

    def run(self):
        self.throttler.partition.start()
        try:
            super().run()
        finally:
            self.throttler.partition.stop()

    def run_once(self):
        report = self.throttler.run()
        LOG.info('Throttling run: %s', {k: v for k, v in report.items()
                                        if k not in ('failures',
                                                     'problems')})


class Sender(periodic.PeriodicWorker):
    """Sends one sink's batches, one at a time."""

    def __init__(self, deliverer, sink, slot, interval, leader):
        super().__init__('deliver-%s-%d' % (sink['name'], slot), interval)
        self.deliverer = deliverer
        self.sink = sink
        self.leader = leader

    def run_once(self):
        while self.leader.is_set() and not self._stop_event.is_set():
            if self.deliverer.deliver_batch(self.sink) is None:
                return

    def run(self):
        try:
            super().run()
        finally:
            self.deliverer.close()


class Delivering(periodic.PeriodicWorker):
    """Starts and stops the senders as sinks come, go and change."""

    def __init__(self, conf, connection, owner):
        super().__init__('deliverer', conf.publisher.interval)
        self.conf = conf
        self.connection = connection
        self.owner = owner
        self.senders = {}  # (sink id, slot) -> Sender
        self.leader = threading.Event()
        self._lease = delivery.Deliverer(conf, connection, owner)
        self._lock = threading.Lock()

    def run_once(self):
        if self._lease.may_deliver():
            self.leader.set()
        else:
            self.leader.clear()
        wanted = {}
        for sink in self.connection.sinks():
            if sink['paused']:
                continue
            _size, _linger, concurrency = self._lease.settings(sink)
            for slot in range(concurrency):
                wanted[(sink['id'], slot)] = sink
        with self._lock:
            if self._stop_event.is_set():
                return
            for key in sorted(set(self.senders) - set(wanted)):
                self.senders.pop(key).stop()
            for key, sink in sorted(wanted.items()):
                sender = self.senders.get(key)
                if sender is None:
                    sender = self.senders[key] = Sender(
                        delivery.Deliverer(self.conf, self.connection,
                                           self.owner),
                        sink, key[1], self.conf.publisher.interval,
                        self.leader)
                    sender.start()
                else:
                    sender.sink = sink

    def stop(self):
        with self._lock:
            super().stop()
            for sender in self.senders.values():
                sender.stop()

    def join(self, timeout=None):
        super().join(timeout)
        senders = list(self.senders.values())
        for sender in senders:
            sender.join(timeout)
        if not any(s.is_alive() for s in senders):
            # Stopped cleanly: the next engine delivers at once.
            self._lease.release()


class Purging(periodic.PeriodicWorker):
    """Deletes old delivered outbox entries and heartbeats, every hour.

    ``[publisher] delivered_retention_days`` says how old an entry; 0
    keeps them. A heartbeat goes after ``[api] service_expire_time``.
    """

    INTERVAL = 3600

    def __init__(self, conf, connection):
        super().__init__('outbox-purge', self.INTERVAL)
        self.conf = conf
        self.connection = connection

    def run_once(self):
        days = self.conf.publisher.delivered_retention_days
        if days:
            deleted = self.connection.purge_delivered(
                timeutils.utcnow() - datetime.timedelta(days=days))
            if deleted:
                LOG.info('Purged %d outbox entries delivered more than %d '
                         'days ago', deleted, days)
        expired = self.connection.expire_heartbeats(
            timeutils.utcnow() - datetime.timedelta(
                seconds=self.conf.api.service_expire_time))
        if expired:
            LOG.info('Deleted %d expired heartbeats', expired)
