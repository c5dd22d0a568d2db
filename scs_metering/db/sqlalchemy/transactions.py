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
"""The write transactions of ingest and window closing.

Each method is a bulk statement over a set of resources, so that a batch
costs a handful of round trips whatever its size. The engine decides what
to write; these classes only read and write rows.
"""

import itertools
import operator

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import bulk
from scs_metering.db.sqlalchemy import delivery
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import parked
from scs_metering.db.sqlalchemy import plain
from scs_metering.db.sqlalchemy import rollup
from scs_metering.db.sqlalchemy import rows
from scs_metering.db.sqlalchemy import sample_reads
from scs_metering.db import transactions
from scs_metering import events

to_db = timeutils.to_db


def _keyed(keys):
    """Resources of (type, id) keys, as one IN list per type.

    A list of (type, id) pairs is an OR of as many index probes to plan
    and run on PostgreSQL; one id list per type is a single probe.
    """
    by_type = itertools.groupby(sorted(keys), operator.itemgetter(0))
    return sa.or_(*(sa.and_(models.Resource.resource_type == resource_type,
                            models.Resource.resource_id.in_(
                                [i for _type, i in group]))
                    for resource_type, group in by_type))


def periods_of(session, pks):
    """Stored periods of resources, by resource pk, in time order."""
    found = {pk: [] for pk in pks}
    for chunk in rows.chunks(sorted(pks)):
        query = sa.select(models.Period).where(
            models.Period.resource_pk.in_(chunk)).order_by(
            models.Period.resource_pk, models.Period.started_at)
        for row in session.scalars(query):
            found[row.resource_pk].append(rows.period(row))
    return found


def _insert_new(dialect):
    """INSERT of resources that skips those another engine just added.

    Two engines often get events of the same new resource at once; a
    duplicate would fail and re-run the whole batch. The row the other
    engine inserted is then read and locked like any existing one.
    """
    table = models.Resource.__table__
    if dialect == 'mysql':
        # A no-op update: unlike INSERT IGNORE, every other error stays
        # an error.
        return mysql.insert(table).on_duplicate_key_update(id=table.c.id)
    insert = {'postgresql': postgresql.insert, 'sqlite': sqlite.insert}
    return insert[dialect](table).on_conflict_do_nothing(
        index_elements=['resource_type', 'resource_id'])


class _Transaction(delivery.OutboxWrites, transactions.Transaction):
    def __init__(self, connection, session):
        self.session = session
        self.dialect = connection.dialect
        self.locking = connection.dialect != 'sqlite'

    def _select_resources(self, condition, lock=False):
        query = sa.select(models.Resource).where(condition).order_by(
            models.Resource.id)
        if lock and self.locking:
            # Rows read before the lock (ingest's first probe) are in the
            # session already: without populate_existing the ORM would
            # hand them back as they were then, not as the transaction
            # the lock waited for left them.
            query = query.with_for_update().execution_options(
                populate_existing=True)
        return list(self.session.scalars(query))

    def periods(self, pks):
        return periods_of(self.session, pks)

    def replace_periods(self, changes):
        """Apply {pk: (removed periods, added periods)}."""
        removed = [(pk, to_db(p.start)) for pk, (gone, _new) in
                   changes.items() for p in gone]
        for chunk in rows.chunks(removed):
            self.session.execute(sa.delete(models.Period).where(
                sa.tuple_(models.Period.resource_pk,
                          models.Period.started_at).in_(chunk)))
        bulk.insert(self.session, models.Period, [
            rows.period_values(p, pk) for pk, (_gone, new) in
            changes.items() for p in new])


class IngestTransaction(_Transaction, transactions.IngestTransaction):
    """Stores a batch of events and the timelines they change."""

    def __init__(self, connection, session):
        super().__init__(connection, session)
        self.now = timeutils.utcnow()

    def new_event_ids(self, ids):
        """Those of ``ids`` not stored yet."""
        known = set()
        for chunk in rows.chunks(sorted(set(ids))):
            known.update(self.session.scalars(sa.select(
                models.Event.id).where(models.Event.id.in_(chunk))))
        return set(ids) - known

    def resources(self, keys):
        """Resources by (type, id), created if new, locked until commit.

        Rows are locked in primary key order, the same order every engine
        uses, so concurrent batches wait for each other instead of
        deadlocking.
        """
        keys = sorted(set(keys))
        found = {}
        for chunk in rows.chunks(keys):
            for row in self._select_resources(_keyed(chunk)):
                found[(row.resource_type, row.resource_id)] = row.id
        missing = [k for k in keys if k not in found]
        if missing:
            now = to_db(self.now)
            self.session.execute(_insert_new(self.dialect), [
                {'resource_type': t, 'resource_id': i, 'active': False,
                 'dirty_gen': 0, 'created_at': now, 'updated_at': now}
                for t, i in missing])
        states = {}
        for chunk in rows.chunks(keys):
            for row in self._select_resources(_keyed(chunk), lock=True):
                states[(row.resource_type, row.resource_id)] = (
                    rows.resource(row))
        return states

    def add_events(self, batch, pks):
        """Insert events; ``pks`` maps (type, id) to the resource pk."""
        values = [rows.event_values(e, pks[(e.resource_type,
                                            e.resource_id)], self.now)
                  for e in batch]
        bulk.insert(self.session, models.Event, values)

    def history(self, resources):
        """All lifecycle events of resources, by pk."""
        by_pk = {r.pk: r for r in resources}
        found = {pk: [] for pk in by_pk}
        for chunk in rows.chunks(sorted(by_pk)):
            query = sa.select(models.Event).where(
                models.Event.resource_pk.in_(chunk),
                models.Event.action != events.SAMPLE)
            for row in self.session.scalars(query):
                resource = by_pk[row.resource_pk]
                found[row.resource_pk].append(rows.event(
                    row, resource.resource_type, resource.resource_id))
        return found

    def update_resources(self, states):
        if not states:
            return
        now = to_db(self.now)
        bulk.update(self.session, models.Resource, [
            {'id': s.pk, 'project_id': s.project_id, 'user_id': s.user_id,
             'active': s.active, 'started_at': to_db(s.started_at),
             'ended_at': to_db(s.ended_at), 'attributes': s.attributes,
             'first_event_at': to_db(s.first_event_at),
             'last_event_at': to_db(s.last_event_at),
             'last_event_key': s.last_event_key,
             'dirty_from': to_db(s.dirty_from), 'dirty_gen': s.dirty_gen,
             'updated_at': now}
            for s in states])

    def add_quarantine(self, items):
        """Keep messages aside, each once however often it is delivered.

        Returns how many were new.
        """
        fresh = {q.digest: q for q in items}
        for chunk in rows.chunks(sorted(fresh)):
            for digest in self.session.scalars(sa.select(
                    models.Quarantine.digest).where(
                    models.Quarantine.digest.in_(chunk))):
                del fresh[digest]
        if not fresh:
            return 0
        now = to_db(self.now)
        self.session.execute(sa.insert(models.Quarantine), [
            {'digest': digest, 'received_at': now, 'service': q.service,
             'event_type': q.event_type, 'publisher_id': q.publisher_id,
             'message_id': q.message_id, 'reason': q.reason, 'raw': q.raw}
            for digest, q in fresh.items()])
        return len(fresh)


class WindowTransaction(_Transaction, sample_reads.SampleReads,
                        plain.PlainWindows, parked.ParkedWrites,
                        transactions.WindowTransaction):
    """Closes windows of some meters, and corrects closed ones."""

    def __init__(self, connection, session, meters):
        super().__init__(connection, session)
        self.now = timeutils.utcnow()
        names = sorted(m.name for m in meters)
        query = sa.select(models.WindowState).where(
            models.WindowState.meter.in_(names)).order_by(
            models.WindowState.meter)
        if self.locking:
            query = query.with_for_update()
        self._closed = {row.meter: timeutils.from_db(row.closed_until)
                        for row in self.session.scalars(query)}

    def closed_until(self, meter):
        return self._closed.get(meter.name)

    def set_closed_until(self, meter, when):
        if meter.name in self._closed:
            self.session.execute(sa.update(models.WindowState).where(
                models.WindowState.meter == meter.name).values(
                closed_until=to_db(when)))
        else:
            self.session.add(models.WindowState(meter=meter.name,
                                                closed_until=to_db(when)))
            self.session.flush()
        self._closed[meter.name] = when

    def earliest_start(self, resource_type):
        return timeutils.from_db(self.session.scalar(
            sa.select(sa.func.min(models.Period.started_at)).join(
                models.Resource).where(
                models.Resource.resource_type == resource_type)))

    def dirty_resources(self, resource_type, limit):
        return [rows.resource(r) for r in self._select_resources(
            sa.and_(models.Resource.resource_type == resource_type,
                    models.Resource.dirty_from.is_not(None)),
            lock=True)[:limit]]

    def clear_dirty(self, states):
        """Clear dirty marks that no ingest has moved since they were read."""
        for state in states:
            self.session.execute(sa.update(models.Resource).where(
                models.Resource.id == state.pk,
                models.Resource.dirty_gen == state.dirty_gen).values(
                dirty_from=None))

    def overlapping(self, resource_type, start, end, with_plain=True):
        """(resource, periods) of resources alive in [start, end).

        Without ``with_plain``, those add_plain_records writes are left
        out.

        The resources carry their key only, the periods what usage
        reads. Rows are streamed as plain rows: a window of a large cloud
        has hundreds of thousands, and ORM objects of all of them cost
        seconds and hundreds of MiB; each column more costs its parsing.
        """
        if self.dialect == 'postgresql':
            # A cursor's plan is made for its first rows; with stale
            # statistics that can be a nested loop over every resource.
            self.session.execute(sa.text(
                'SET LOCAL cursor_tuple_fraction = 1'))
        columns = models.Period.__table__.c
        query = sa.select(*(columns[name] for name in
                            rows.USAGE_PERIOD_COLUMNS),
                          models.Resource.resource_id).join(
            models.Resource).where(
            models.Resource.resource_type == resource_type,
            models.Period.started_at < to_db(end),
            sa.or_(models.Period.ended_at.is_(None),
                   models.Period.ended_at > to_db(start))).order_by(
            models.Period.resource_pk, models.Period.started_at)
        if not with_plain:
            query = query.where(models.Period.resource_pk.not_in(
                plain.plain_pks(resource_type, start, end)))
        current, periods = None, []
        for row in self.session.execute(
                query.execution_options(yield_per=1000)):
            if current is None or row.resource_pk != current.pk:
                if current is not None:
                    yield current, periods
                current = api_models.ResourceState(
                    row.resource_pk, resource_type, row.resource_id)
                periods = []
            periods.append(rows.usage_period(row))
        if current is not None:
            yield current, periods

    def current_records(self, meter, pks, start, end):
        """Current revisions of a meter's records of resources in a span."""
        found = {}
        for chunk in rows.chunks(sorted(pks)):
            query = sa.select(models.UsageRecord).where(
                models.UsageRecord.current.is_(True),
                models.UsageRecord.meter == meter.name,
                models.UsageRecord.resource_pk.in_(chunk),
                models.UsageRecord.window_start >= to_db(start),
                models.UsageRecord.window_start < to_db(end))
            for row in self.session.scalars(query):
                found[row.id] = rows.usage_record(row)
        return found

    def add_records(self, records, sinks_matching):
        """Store records, each as the next revision of its id.

        ``records`` holds (record, resource pk, previous revision or None)
        tuples. Every stored revision gets an outbox entry for each sink
        ``sinks_matching(record)`` returns, and the rollup follows, in this
        same transaction.
        """
        values, replaced = self._add_revisions(
            models.UsageRecord, api_models.USAGE_TABLE, records,
            rows.record_values, sinks_matching)
        if values:
            rollup.apply(self.session, values, replaced)
