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
"""Which resource types this reconciler runs, and when.

Each type has its own interval. When it is due is read from the stored
run reports, so a type that moves to another reconciler keeps its pace.
Several reconcilers split the types on a tooz hash ring; a per-type lock
and a second look at the reports under it make a type run once per
interval even while the ring changes. A single reconciler needs no
coordination service at all.
"""

import contextlib
import datetime

from oslo_log import log
from tooz import coordination

from scs_metering.conf import reconciliation as conf_reconciliation

LOG = log.getLogger(__name__)
GROUP = b'scs-metering-reconciler'
# The audit check runs on one reconciler, as if it were a type.
AUDIT = 'audit'


class Scheduler:

    def __init__(self, conf, connection, member_id, clock):
        self.conf = conf
        self.connection = connection
        self.clock = clock
        self.resource_types = list(conf.reconciliation.resource_types)
        self.intervals = {
            t: datetime.timedelta(seconds=conf_reconciliation.interval(
                conf, t)) for t in self.resource_types}
        url = conf.reconciliation.coordination_url
        self.coordinator = (coordination.get_coordinator(
            url, member_id.encode()) if url else None)
        self.partitioner = None

    def start(self):
        if self.coordinator is not None:
            self.coordinator.start(start_heart=True)
            self.partitioner = self.coordinator.join_partitioned_group(
                GROUP)

    def stop(self):
        if self.coordinator is not None:
            with contextlib.suppress(coordination.ToozError):
                self.coordinator.leave_partitioned_group(self.partitioner)
            self.coordinator.stop()

    def owned(self):
        """The types this reconciler is responsible for now."""
        if self.coordinator is None:
            return list(self.resource_types)
        # Apply joins and leaves seen since the last look.
        self.coordinator.run_watchers()
        return [t for t in self.resource_types
                if self.partitioner.belongs_to_self(t)]

    def due(self, resource_type):
        last = self.connection.last_started(resource_type)
        return last is None or last + self.intervals[resource_type] <= (
            self.clock())

    @contextlib.contextmanager
    def _lock(self, resource_type):
        if self.coordinator is None:
            yield True
            return
        lock = self.coordinator.get_lock(
            b'scs-metering-reconcile-' + resource_type.encode())
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def run_audit(self, check):
        """Run the audit check here if this reconciler is the one."""
        owner = (self.coordinator is None or
                 self.partitioner.belongs_to_self(AUDIT))
        if owner:
            with self._lock(AUDIT) as locked:
                if locked:
                    return check.run()
        return []

    def run_due(self, reconciler):
        """Run every owned type that is due; return their reports."""
        reports = []
        for resource_type in self.owned():
            if not self.due(resource_type):
                continue
            with self._lock(resource_type) as locked:
                # Another reconciler may have run it since we looked.
                if locked and self.due(resource_type):
                    reports.append(reconciler.run(resource_type))
        return reports
