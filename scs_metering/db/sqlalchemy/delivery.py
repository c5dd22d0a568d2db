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
"""Sinks, the outbox and revisioned records in the database.

``OutboxWrites`` is mixed into the write transactions, so that a record
revision and its outbox entries are committed together. ``DeliveryMixin``
is mixed into the Connection: sink definitions, claims of due entries,
outcomes, dead letters and counters.

Claims: on PostgreSQL and MariaDB the due rows are selected FOR UPDATE SKIP
LOCKED and stamped with a claim token and a lease, so several engines
share a sink's backlog without sending a row twice at once; a lease that
outlives its deliverer expires and the rows are claimed again. Claimers
of one sink first lock its status row, which makes the count of batches in
flight, and so the sink's concurrency limit, exact. SQLite cannot skip
locked rows: there a lease row lets a single engine deliver.
"""

import datetime
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import bulk
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows

from_db = timeutils.from_db
to_db = timeutils.to_db


def session_sinks(session):
    """Every sink definition, read in ``session``."""
    return [rows.sink(s) for s in session.scalars(sa.select(models.Sink))]


def add_outbox(session, now, kind, stored, sinks_matching):
    """An entry per matching sink of each (record, revision) stored.

    Written in ``session``, so the entries commit with the records or not
    at all: a sink can neither miss a record nor hear of one rolled back.
    """
    now = to_db(now)
    entries = [{'sink_id': sink['id'], 'kind': kind,
                'record_id': record.id, 'revision': revision,
                'state': api_models.PENDING, 'attempts': 0,
                'next_attempt_at': now, 'created_at': now}
               for record, revision in stored
               for sink in sinks_matching(record)]
    bulk.insert(session, models.Outbox, entries)


class OutboxWrites:
    """Record writes of a transaction, each with its outbox entries."""

    _sinks = None

    def sinks(self):
        if self._sinks is None:
            self._sinks = session_sinks(self.session)
        return self._sinks

    def _add_outbox(self, kind, stored, sinks_matching):
        add_outbox(self.session, self.now, kind, stored, sinks_matching)

    def current_lifecycle(self, pks):
        """Current lifecycle record revisions, {resource pk: {id: record}}."""
        found = {pk: {} for pk in pks}
        for chunk in rows.chunks(sorted(pks)):
            query = sa.select(models.LifecycleRecord).where(
                models.LifecycleRecord.resource_pk.in_(chunk),
                models.LifecycleRecord.current.is_(True))
            for row in self.session.scalars(query):
                found[row.resource_pk][row.id] = rows.lifecycle_record(row)
        return found

    def add_lifecycle(self, items, sinks_matching):
        """Store (record, resource pk, previous revision or None) tuples."""
        self._add_revisions(models.LifecycleRecord,
                            api_models.LIFECYCLE_TABLE, items,
                            rows.lifecycle_values, sinks_matching)

    def _add_revisions(self, model, kind, items, values_of, sinks_matching):
        """Store records, each as the next revision of its id.

        ``items`` holds (record, resource pk, previous revision or None)
        tuples of a revisioned table (usage or lifecycle records). The
        previous revision stops being current, the next is inserted with
        ``values_of(record, pk, revision, created_at)``, and each gets an
        outbox entry per sink ``sinks_matching(record)`` returns, all in
        this transaction. Returns the inserted rows and the (id, revision)
        pairs they replace.
        """
        if not items:
            return [], []
        replaced = [(r.id, previous) for r, _pk, previous in items
                    if previous]
        for chunk in rows.chunks(replaced):
            self.session.execute(sa.update(model).where(
                sa.tuple_(model.id, model.revision).in_(chunk)).values(
                current=False))
        stored = [(record, (previous or 0) + 1)
                  for record, _pk, previous in items]
        values = [values_of(record, pk, revision, self.now)
                  for (record, pk, _p), (_r, revision) in zip(items, stored)]
        bulk.insert(self.session, model, values)
        self._add_outbox(kind, stored, sinks_matching)
        return values, replaced


class DeliveryMixin:
    """The Connection's sink and outbox operations."""

    # Sinks

    def sinks(self):
        with self._reader() as session:
            return [rows.sink(s) for s in session.scalars(
                sa.select(models.Sink).order_by(models.Sink.name))]

    def sink(self, sink_id):
        with self._reader() as session:
            row = session.get(models.Sink, sink_id)
            if row is None:
                raise api.NotFound(sink_id)
            return rows.sink(row)

    def sink_by_name(self, name):
        with self._reader() as session:
            row = session.scalars(sa.select(models.Sink).where(
                models.Sink.name == name)).first()
            return None if row is None else rows.sink(row)

    def put_sink(self, sink):
        """Create a sink, or update the one of the same name or id."""
        now = to_db(timeutils.utcnow())
        with self._writer() as session:
            row = session.get(models.Sink, sink['id']) if sink.get(
                'id') else None
            if row is None:
                row = session.scalars(sa.select(models.Sink).where(
                    models.Sink.name == sink['name'])).first()
            if row is None:
                row = models.Sink(id=sink.get('id') or str(uuid.uuid4()),
                                  created_at=now, paused=False)
                session.add(row)
                session.add(models.SinkStatus(sink_id=row.id, delivered=0,
                                              failed_attempts=0,
                                              consecutive_failures=0))
            for field in ('name', 'driver', 'url', 'format', 'options',
                          'filters', 'secrets'):
                setattr(row, field, sink.get(field))
            row.updated_at = now
            session.flush()
            return rows.sink(row)

    def delete_sink(self, sink_id):
        """Delete a sink with its undelivered entries and dead letters."""
        with self._writer() as session:
            for model in (models.Outbox, models.SinkStatus):
                session.execute(sa.delete(model).where(
                    model.sink_id == sink_id))
            if not session.execute(sa.delete(models.Sink).where(
                    models.Sink.id == sink_id)).rowcount:
                raise api.NotFound(sink_id)

    def set_sink_paused(self, sink_id, paused):
        """Pause or resume; batches already in flight still finish."""
        with self._writer() as session:
            values = {'paused': paused,
                      'updated_at': to_db(timeutils.utcnow())}
            if not session.execute(sa.update(models.Sink).where(
                    models.Sink.id == sink_id).values(**values)).rowcount:
                raise api.NotFound(sink_id)

    # Claims

    def acquire_lease(self, name, owner, duration, now):
        """Take or renew a named lease; False while another holds it."""
        expires = to_db(now + duration)
        with self._writer() as session:
            # Write first: SQLite then takes its write lock at once instead
            # of failing to upgrade a read.
            if session.execute(sa.update(models.DeliveryLease).where(
                    models.DeliveryLease.name == name,
                    sa.or_(models.DeliveryLease.owner == owner,
                           models.DeliveryLease.expires_at < to_db(now))
            ).values(owner=owner, expires_at=expires)).rowcount:
                return True
            if session.get(models.DeliveryLease, name) is not None:
                return False
        try:
            with self._writer() as session:
                session.add(models.DeliveryLease(name=name, owner=owner,
                                                 expires_at=expires))
            return True
        except db_exc.DBDuplicateEntry:
            return False

    def release_lease(self, name, owner):
        with self._writer() as session:
            session.execute(sa.delete(models.DeliveryLease).where(
                models.DeliveryLease.name == name,
                models.DeliveryLease.owner == owner))

    def renew_deliveries(self, sink_id, token, lease, now):
        now_db = to_db(now)
        with self._writer() as session:
            # Only a claim still alive: one that expired may be another
            # deliverer's batch by now.
            return session.execute(sa.update(models.Outbox).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.claimed_by == token,
                models.Outbox.claimed_until >= now_db).values(
                claimed_until=to_db(now + lease))).rowcount

    def claim_deliveries(self, sink_id, owner, limit, lease, now,
                         linger=None, concurrency=None):
        """Claim a batch of due entries of a sink.

        Returns (claim token, entries), or (None, []) when the sink is
        paused or backing off, ``concurrency`` batches are already in
        flight, nothing is due, or fewer than ``limit`` entries are due
        and none has waited ``linger`` for its batch to fill.
        """
        now_db = to_db(now)
        with self._writer() as session:
            status = self._locked_status(session, sink_id)
            sink = session.get(models.Sink, sink_id)
            if status is None or sink is None or sink.paused or (
                    status.retry_at is not None and
                    status.retry_at > now_db):
                return None, []
            if concurrency:
                in_flight = session.scalar(sa.select(sa.func.count(
                    sa.distinct(models.Outbox.claimed_by))).where(
                    models.Outbox.sink_id == sink_id,
                    models.Outbox.claimed_until >= now_db))
                if in_flight >= concurrency:
                    return None, []
            query = sa.select(models.Outbox).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.state == api_models.PENDING,
                models.Outbox.next_attempt_at <= now_db,
                sa.or_(models.Outbox.claimed_until.is_(None),
                       models.Outbox.claimed_until < now_db)).order_by(
                models.Outbox.next_attempt_at, models.Outbox.id).limit(limit)
            if self.dialect != 'sqlite':
                query = query.with_for_update(skip_locked=True)
            entries = list(session.scalars(query))
            if not entries or (
                    len(entries) < limit and linger and
                    min(e.next_attempt_at for e in entries) >
                    to_db(now - linger)):
                return None, []
            token = '%s/%s' % (owner, uuid.uuid4().hex[:12])
            for entry in entries:
                entry.claimed_by = token
                entry.claimed_until = to_db(now + lease)
            return token, [rows.outbox_entry(e) for e in entries]

    def _locked_status(self, session, sink_id):
        """The sink's status row, locked until commit.

        Claims and outcomes of one sink take their turns on it.
        """
        query = sa.select(models.SinkStatus).where(
            models.SinkStatus.sink_id == sink_id)
        if self.dialect != 'sqlite':
            query = query.with_for_update()
        return session.scalars(query).first()

    def finish_deliveries(self, sink_id, token, outcome, now, error=None,
                          answer=None, retry_delay=None, entry_ids=None):
        """Record how a claimed batch went; return the entries updated.

        ``outcome`` is DELIVERED, DEAD (kept with the sink's ``answer``)
        or RETRY: the entries stay pending and the whole sink backs off
        for ``retry_delay(failures in a row)`` seconds. Entries whose
        claim expired and passed to another deliverer are left alone.
        """
        now_db = to_db(now)
        with self._writer() as session:
            # The status row first, in the same order as claims take locks.
            status = self._locked_status(session, sink_id)
            values = {'claimed_by': None, 'claimed_until': None}
            if outcome == api_models.DELIVERED:
                values.update(state=api_models.DELIVERED, delivered_at=now_db)
            else:
                values.update(attempts=models.Outbox.attempts + 1,
                              last_error=error)
                if outcome == api_models.DEAD:
                    values.update(state=api_models.DEAD, dead_at=now_db,
                                  answer=answer)
            condition = sa.and_(models.Outbox.sink_id == sink_id,
                                models.Outbox.claimed_by == token)
            if entry_ids is not None:
                condition = sa.and_(condition,
                                    models.Outbox.id.in_(entry_ids))
            done = session.execute(sa.update(models.Outbox).where(
                condition).values(**values)).rowcount
            if status is None:
                return done
            if outcome == api_models.DELIVERED:
                status.delivered += done
                status.last_success_at = now_db
                status.consecutive_failures = 0
                status.retry_at = None
            else:
                status.failed_attempts += 1
                status.last_error_at = now_db
                status.last_error = error
            if outcome == api_models.RETRY:
                status.consecutive_failures += 1
                delay = retry_delay(status.consecutive_failures)
                status.retry_at = max(filter(None, (
                    status.retry_at,
                    now_db + datetime.timedelta(seconds=delay))))
            return done

    # Records

    def outbox_records(self, entries):
        """The record revisions of outbox entries, by (kind, id, revision).

        Usage and lifecycle records are read with the same key; a record
        missing here was deleted with its resource type's retention.
        Rated lines and invoices are read by the billing half
        (db/sqlalchemy/invoicing.py).
        """
        found = self.billing_outbox_records(entries)
        with self._reader() as session:
            for kind, model, convert in (
                    (api_models.USAGE_TABLE, models.UsageRecord,
                     rows.usage_record),
                    (api_models.LIFECYCLE_TABLE, models.LifecycleRecord,
                     rows.lifecycle_record)):
                keys = sorted({(e['record_id'], e['revision'])
                               for e in entries if e['kind'] == kind})
                for chunk in rows.chunks(keys):
                    for row in session.scalars(sa.select(model).where(
                            sa.tuple_(model.id, model.revision).in_(chunk))):
                        found[(kind, row.id, row.revision)] = convert(row)
        return found

    def lifecycle_records(self, resource_type=None, resource_id=None):
        """Every lifecycle record revision, oldest first."""
        with self._reader() as session:
            query = sa.select(models.LifecycleRecord)
            if resource_type:
                query = query.where(
                    models.LifecycleRecord.resource_type == resource_type)
            if resource_id:
                query = query.where(
                    models.LifecycleRecord.resource_id == resource_id)
            query = query.order_by(models.LifecycleRecord.occurred_at,
                                   models.LifecycleRecord.id,
                                   models.LifecycleRecord.revision)
            return [rows.lifecycle_record(r) for r in session.scalars(query)]

    # Dead letters and counters

    def dead_letters(self, sink_id, limit=100, marker=None):
        """Dead-lettered entries of a sink with the sink's answer."""
        with self._reader() as session:
            query = sa.select(models.Outbox).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.state == api_models.DEAD).order_by(
                models.Outbox.id).limit(limit)
            if marker is not None:
                query = query.where(models.Outbox.id > marker)
            return [rows.outbox_entry(e) for e in session.scalars(query)]

    def retry_dead_letters(self, sink_id, entry_ids=None, now=None):
        """Make dead letters pending again; return how many."""
        now_db = to_db(now or timeutils.utcnow())
        with self._writer() as session:
            if session.get(models.Sink, sink_id) is None:
                raise api.NotFound(sink_id)
            condition = sa.and_(models.Outbox.sink_id == sink_id,
                                models.Outbox.state == api_models.DEAD)
            if entry_ids is not None:
                condition = sa.and_(condition,
                                    models.Outbox.id.in_(entry_ids))
            return session.execute(sa.update(models.Outbox).where(
                condition).values(
                state=api_models.PENDING, next_attempt_at=now_db, dead_at=None,
                claimed_by=None, claimed_until=None)).rowcount

    def sink_status(self, sink_id, now=None):
        """Delivery counters of a sink, for the API."""
        now = now or timeutils.utcnow()
        with self._reader() as session:
            sink = session.get(models.Sink, sink_id)
            if sink is None:
                raise api.NotFound(sink_id)
            status = session.get(models.SinkStatus, sink_id)
            counts = dict(session.execute(sa.select(
                models.Outbox.state, sa.func.count()).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.state.in_(
                    (api_models.PENDING, api_models.DEAD))).group_by(
                models.Outbox.state)).all())
            oldest = session.scalar(sa.select(sa.func.min(
                models.Outbox.created_at)).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.state == api_models.PENDING))
            in_flight = session.scalar(sa.select(sa.func.count()).where(
                models.Outbox.sink_id == sink_id,
                models.Outbox.claimed_until >= to_db(now)))
        return {
            'sink_id': sink_id,
            'paused': sink.paused,
            'backlog': counts.get(api_models.PENDING, 0),
            'in_flight': in_flight,
            'oldest_pending_age': None if oldest is None else max(
                0, int((now - from_db(oldest)).total_seconds())),
            'delivered': status.delivered,
            'failed_attempts': status.failed_attempts,
            'dead_letters': counts.get(api_models.DEAD, 0),
            'last_success_at': from_db(status.last_success_at),
            'last_error_at': from_db(status.last_error_at),
            'last_error': status.last_error,
            'retry_at': from_db(status.retry_at),
        }
