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
"""Closing usage windows into records, and correcting closed ones.

A window of a meter closes once its end plus the settle delay has passed.
Each closed window yields revision 1 of its records: lifecycle meters from
the resources' periods, gauge, counter and delta meters from their samples
(engine/samples.py). When an event later changes a resource's timeline, or
adds a sample, inside closed windows, the ingest marks the resource
dirty; the closer recomputes those windows and stores a new
revision of every record whose content changed. A record that no longer
has usage gets a revision with quantity zero. Nothing stored is edited.
"""

import collections
import dataclasses
import datetime
import decimal
import threading

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.engine import samples
from scs_metering.engine import usage
from scs_metering.publisher import filters

LOG = log.getLogger(__name__)


def _windows(start, end, width):
    step = datetime.timedelta(seconds=width)
    while start < end:
        yield start, start + step
        start += step


def _same(a, b):
    return (a.quantity == b.quantity and a.attributes == b.attributes and
            a.provenance == b.provenance and a.project_id == b.project_id and
            a.user_id == b.user_id)


class WindowCloser:
    """Turns periods into usage records, one resource type at a time."""

    def __init__(self, connection, definitions, settle_delay=0,
                 batch_windows=24, batch_resources=1000, settled=None,
                 start=None):
        self.connection = connection
        self.definitions = definitions
        # No window starting before this is closed or corrected.
        self.start = start
        self._stopping = threading.Event()
        # When given, {resource type: time} of the reconciled types: their
        # windows close only once a successful reconciliation has covered
        # their end (coverage below).
        self.settled = settled
        self.settle_delay = datetime.timedelta(seconds=settle_delay)
        self.batch_windows = batch_windows
        self.batch_resources = batch_resources

    def _meters(self):
        by_type = collections.defaultdict(list)
        for meter in self.definitions.meters.values():
            by_type[meter.resource_type].append(meter)
        return sorted(by_type.items())

    def run(self, now=None, until=None):
        """Close every window that has settled; return records written.

        ``until`` overrides the horizon, for replays of old traffic; the
        reconciliation's coverage, if given, still bounds it.
        """
        horizon = until or (now or timeutils.utcnow()) - self.settle_delay
        covered = self.settled() if self.settled else {}
        stalled = set(self.connection.stalled_meters())
        written = 0
        for resource_type, meters in self._meters():
            limit = min(horizon, covered.get(resource_type, horizon))
            names = {m.name for m in meters}
            try:
                self._retry_parked(resource_type, meters)
                written += self._run_type(resource_type, meters, limit)
            except Exception as exc:
                if self.connection.transient(exc):
                    raise
                # One resource type failing must not stop the others: its
                # meters are recorded as stalled, with the reason, and
                # tried again on the next run.
                LOG.exception('Closing the windows of %s failed; its '
                              'meters %s are stalled', resource_type,
                              ', '.join(sorted(names)))
                self.connection.record_stall(names, '%s: %s' % (
                    type(exc).__name__, exc))
                continue
            if names & stalled:
                self.connection.clear_stalls(names & stalled)
                LOG.info('The windows of %s close again', resource_type)
        return written

    def _run_type(self, resource_type, meters, limit):
        written = 0
        while not self._stopping.is_set():
            done, more = self._step(resource_type, meters, limit)
            written += done
            if not more:
                break
        return written

    def stop(self):
        """End a run after its current transaction; the rest is kept."""
        self._stopping.set()

    def _first_window(self, meter):
        """Start of the first window that may be closed, or None."""
        if self.start is None:
            return None
        first = timeutils.window_floor(self.start, meter.window)
        if first < self.start:
            first += datetime.timedelta(seconds=meter.window)
        return first

    @db_api.retry_on_conflict
    def _step(self, resource_type, meters, horizon):
        """One transaction: corrections, then a few more windows closed."""
        with self.connection.window_transaction(meters) as tx:
            written, more = self._correct(tx, resource_type, meters)
            for meter in meters:
                done, left = self._close(tx, resource_type, meter, horizon)
                written += done
                more = more or left
        return written, more

    def _close(self, tx, resource_type, meter, horizon):
        closed = tx.closed_until(meter)
        if closed is None:
            earliest = (samples.earliest(tx, meter, resource_type)
                        if meter.sampled else
                        tx.earliest_start(resource_type))
            if earliest is None:
                return 0, False
            closed = max(filter(None, (
                timeutils.window_floor(earliest, meter.window),
                self._first_window(meter))))
        stop = timeutils.window_floor(horizon, meter.window)
        written = 0
        sinks = filters.matching_sinks(tx.sinks)
        for count, (start, end) in enumerate(
                _windows(closed, stop, meter.window)):
            if count == self.batch_windows:
                return written, True
            written += self._close_window(tx, resource_type, meter, start,
                                          end, sinks)
            tx.set_closed_until(meter, end)
        return written, False

    def _close_window(self, tx, resource_type, meter, start, end, sinks):
        """Store a window's records; park the groups the database refuses.

        The window is written whole under a savepoint. If the database
        refuses it, each group of its records (an owner and an attribute
        set, usage.group_key) is tried under a savepoint of its own, and
        a refused group is parked with the reason: the window closes for
        every other group, and the parked one is tried on each run.
        """
        try:
            with tx.savepoint():
                written = 0
                if not meter.sampled:
                    written += tx.add_plain_records(
                        meter, resource_type, start, end,
                        usage.plain_group(meter, resource_type, start, end),
                        sinks)
                records = self._window(tx, resource_type, meter, start, end)
                tx.add_records(records, sinks)
                return written + len(records)
        except Exception as exc:
            if self.connection.transient(exc):
                raise
            LOG.warning('Storing the records of %s in [%s, %s) failed, '
                        'trying each group: %s', meter.name, start, end, exc)
        by_group = collections.defaultdict(list)
        for record in self._all(tx, resource_type, meter, start, end):
            by_group[usage.group_key(record[0])].append(record)
        written, refused = 0, []
        for key, records in sorted(by_group.items()):
            try:
                with tx.savepoint():
                    tx.add_records(records, sinks)
            except Exception as exc:
                if self.connection.transient(exc):
                    raise
                refused.append((key, records[0][0], exc))
                continue
            written += len(records)
        if refused and not written:
            # No group gets past it: the meter's failure, not a group's;
            # the caller stalls the resource type.
            raise refused[0][2]
        for key, record, exc in refused:
            self._park(tx, meter, start, end, key, record, exc)
        return written

    def _park(self, tx, meter, start, end, key, record, exc):
        group = usage.identity(record)[3]
        LOG.error('The database refused the records of %s in [%s, %s) of '
                  'project %s, user %s, %s; the group is parked: %s',
                  meter.name, start, end, record.project_id, record.user_id,
                  group, exc)
        tx.park(meter, start, end, key, record.project_id, record.user_id,
                group, '%s: %s' % (type(exc).__name__, exc))

    def retry_parked(self, meter=None):
        """Try the parked groups (of one meter) again now; see below."""
        for resource_type, meters in self._meters():
            meters = [m for m in meters if meter in (None, m.name)]
            if meters:
                self._retry_parked(resource_type, meters)

    @db_api.retry_on_conflict
    def _retry_parked(self, resource_type, meters):
        """Try each parked group of these meters again; unpark it if stored.

        A group whose records are stored now leaves the parked groups; one
        still refused keeps its place, with the new reason.
        """
        by_name = {m.name: m for m in meters}
        with self.connection.window_transaction(meters) as tx:
            sinks = filters.matching_sinks(tx.sinks)
            for parked in tx.parked(meters):
                meter = by_name[parked['meter']]
                start, end = parked['window_start'], parked['window_end']
                key = parked['group_key']
                records = [
                    r for r in self._all(tx, resource_type, meter, start,
                                         end)
                    if usage.group_key(r[0]) == key]
                try:
                    with tx.savepoint():
                        tx.add_records(records, sinks)
                        tx.unpark(meter, start, key)
                except Exception as exc:
                    if self.connection.transient(exc):
                        raise
                    if records:
                        self._park(tx, meter, start, end, key, records[0][0],
                                   exc)
                    continue
                LOG.info('The parked records of %s in [%s, %s) are stored',
                         meter.name, start, end)

    @classmethod
    def _all(cls, tx, resource_type, meter, start, end):
        """Every record of a window, computed in Python."""
        if meter.sampled:
            return cls._window(tx, resource_type, meter, start, end)
        return [(r, resource.pk, None)
                for resource, periods in tx.overlapping(
                    resource_type, start, end)
                for r in usage.lifecycle_records(
                    meter, resource_type, resource.resource_id, periods,
                    start, end)]

    @staticmethod
    def _window(tx, resource_type, meter, start, end):
        """Records of the window that add_plain_records left to Python."""
        if meter.sampled:
            return samples.window_records(tx, meter, resource_type, start,
                                          end)
        return [(r, resource.pk, None)
                for resource, periods in tx.overlapping(
                    resource_type, start, end, with_plain=False)
                for r in usage.lifecycle_records(
                    meter, resource_type, resource.resource_id, periods,
                    start, end)]

    @staticmethod
    def _fresh(tx, meter, late, periods, closed):
        """Records of late resources, from their first dirty window."""
        if meter.sampled:
            start = timeutils.window_floor(min(r.dirty_from for r in late),
                                           meter.window)
            return samples.resource_records(
                tx, meter, late, list(_windows(start, closed, meter.window)))
        return {r.pk: {record.id: record for window_start, window_end in
                       _windows(timeutils.window_floor(r.dirty_from,
                                                       meter.window),
                                closed, meter.window)
                       for record in usage.lifecycle_records(
                           meter, r.resource_type, r.resource_id,
                           periods[r.pk], window_start, window_end)}
                for r in late}

    def _correct(self, tx, resource_type, meters):
        dirty = tx.dirty_resources(resource_type, self.batch_resources + 1)
        more = len(dirty) > self.batch_resources
        dirty = dirty[:self.batch_resources]
        if not dirty:
            return 0, False
        periods = tx.periods([r.pk for r in dirty])
        # A parked group is left to its retry (_retry_parked).
        parked = {(p['meter'], p['window_start'], p['group_key'])
                  for p in tx.parked(meters)}
        corrections = []
        for meter in meters:
            closed = tx.closed_until(meter)
            if closed is None:
                continue
            first = self._first_window(meter)
            late = [r if first is None or r.dirty_from >= first
                    else dataclasses.replace(r, dirty_from=first)
                    for r in dirty if r.dirty_from < closed]
            late = [r for r in late if r.dirty_from < closed]
            if not late:
                continue
            start = timeutils.window_floor(min(r.dirty_from for r in late),
                                           meter.window)
            existing = tx.current_records(meter, [r.pk for r in late],
                                          start, closed)
            fresh = self._fresh(tx, meter, late, periods, closed)
            for resource in late:
                corrections.extend(
                    c for c in self._diff(meter, resource,
                                          fresh[resource.pk], existing)
                    if (meter.name, c[0].window_start,
                        usage.group_key(c[0])) not in parked)
        tx.add_records(corrections, filters.matching_sinks(tx.sinks))
        tx.clear_dirty(dirty)
        if corrections:
            LOG.info('Corrected %d usage records of %s', len(corrections),
                     resource_type)
        return len(corrections), more

    def _diff(self, meter, resource, fresh, existing):
        """(record, pk, previous revision) of what changed, by identity.

        A fresh record that has a stored counterpart becomes its next
        revision under the stored id, which may come from an older id
        rule (usage.record_id).
        """
        start = timeutils.window_floor(resource.dirty_from, meter.window)
        fresh = {usage.identity(r): r for r in fresh.values()
                 if r.window_start >= start}
        old = {usage.identity(r): r for r in existing.values()
               if r.resource_id == resource.resource_id and
               r.window_start >= start}
        changed = []
        for key in sorted(set(fresh) | set(old)):
            new, previous = fresh.get(key), old.get(key)
            if new is None:
                if previous.quantity == 0:
                    continue
                new = dataclasses.replace(
                    previous, quantity=decimal.Decimal(0), provenance={},
                    revision=None, replaces=None, created_at=None)
            elif previous is not None:
                if _same(new, previous):
                    continue
                new = dataclasses.replace(new, id=previous.id)
            changed.append((new, resource.pk,
                            previous.revision if previous else None))
        return changed


def coverage(conf, connection):
    """The WindowCloser's ``settled`` callable, or None for time only.

    A type is covered up to the start of its last successful
    reconciliation run, less the clock margin: a run proves absence only
    for what was quiet a clock margin before it started. A reconciled type
    that never had a successful run is covered up to the epoch: none of its
    windows closes until one succeeds.
    """
    section = conf.reconciliation
    if not section.resource_types or not section.settle_windows:
        return None
    margin = datetime.timedelta(seconds=section.clock_margin)

    def settled():
        return {t: when - margin if when else timeutils.EPOCH
                for t, when in connection.settled_until(
                    section.resource_types).items()}
    return settled
