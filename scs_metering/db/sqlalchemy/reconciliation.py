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
"""The reconciler's reads and writes: tracked resources and run reports.

``ReconciliationMixin`` is mixed into the Connection. Events never go
through here: the reconciler stores them through the engine's Ingestor
like any other. This only keeps the reconciliation bookkeeping of
resources (when last listed, since when missing), the run reports, and
the reads of the audit check (reconcile/audit.py).
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows
from scs_metering.db.sqlalchemy import transactions
from scs_metering import events

from_db = timeutils.from_db
to_db = timeutils.to_db
Resource = models.Resource
Event = models.Event
Run = models.ReconciliationRun

# The columns a reconciliation reads, in the order rows.tracked unpacks
# them; whole ORM objects, or even reading a row's fields by name, cost
# too much per row when a listing runs to millions.
TRACKED_COLUMNS = (
    Resource.id, Resource.resource_id, Resource.active, Resource.project_id,
    Resource.user_id, Resource.attributes, Resource.started_at,
    Resource.ended_at, Resource.first_event_at, Resource.last_event_at,
    Resource.last_seen_at, Resource.missing_since)


def _missing(resource_type, listed_from, margin):
    """Active, not listed by the run, and quiet since before it began.

    Anything that started or changed since the listing began (less the
    clock margin) may have come after its page, and waits for the next
    run.
    """
    quiet = to_db(listed_from - margin)
    return sa.and_(
        Resource.resource_type == resource_type, Resource.active.is_(True),
        Resource.started_at < quiet,
        sa.or_(Resource.last_event_at.is_(None),
               Resource.last_event_at < quiet),
        sa.or_(Resource.last_seen_at.is_(None),
               Resource.last_seen_at < to_db(listed_from)))


class ReconciliationMixin:
    """The Connection's reconciliation operations."""

    def tracked(self, resource_type, resource_ids, born=None):
        """Tracked resources by id; ids the engine never saw are absent.

        ``born`` maps ids to the earliest start the listing allows: only
        lives that may have started before the engine's start need their
        opening event looked up.
        """
        born = born or {}
        found = {}
        with self._reader() as session:
            for chunk in rows.chunks(sorted(set(resource_ids))):
                query = sa.select(*TRACKED_COLUMNS).where(
                    Resource.resource_type == resource_type,
                    Resource.resource_id.in_(chunk))
                # Core rows: the ORM's result handling would double
                # the cost of reading them.
                found.update((t.resource_id, t) for t in map(
                    rows.tracked, session.connection().execute(query)))
            unsure = []
            for tracked in found.values():
                if (tracked.started_at is None or
                        tracked.first_known is not None):
                    continue
                if born.get(tracked.resource_id,
                            tracked.started_at) < tracked.started_at:
                    unsure.append(tracked)
                else:
                    tracked.first_known = tracked.started_at
            self._note_creates(session, unsure)
        return found

    def _note_creates(self, session, lives):
        """Mark the lives that no create event opened.

        The engine backdated those from a later event's snapshot; the
        time of that first event bounds what is known of their start.
        """
        first = {}
        for chunk in rows.chunks(sorted(t.pk for t in lives)):
            query = sa.select(
                Event.resource_pk, sa.func.min(Event.event_time),
                sa.func.max(sa.case((Event.action == events.CREATE, 1),
                                    else_=0))).join(
                Resource, Resource.id == Event.resource_pk).where(
                Event.resource_pk.in_(chunk), Event.action != events.SAMPLE,
                Event.event_time >= Resource.started_at,
                sa.or_(Event.action != events.CREATE,
                       Event.event_time == Resource.started_at)).group_by(
                Event.resource_pk)
            first.update((pk, (from_db(when), bool(opened)))
                         for pk, when, opened in session.execute(query))
        for tracked in lives:
            tracked.first_known, tracked.opened_by_create = first.get(
                tracked.pk, (tracked.started_at, True))

    def mark_seen(self, resource_type, listings):
        """Listed: alive at each listing's time, no longer missing.

        ``listings`` holds (resource ids, when listed) pairs, marked in
        one transaction.
        """
        with self._writer() as session:
            for resource_ids, when in listings:
                for chunk in rows.chunks(sorted(set(resource_ids))):
                    session.execute(sa.update(Resource).where(
                        Resource.resource_type == resource_type,
                        Resource.resource_id.in_(chunk)).values(
                        last_seen_at=to_db(when), missing_since=None))

    def count_active(self, resource_type, listed_from):
        with self._reader() as session:
            return session.scalar(sa.select(sa.func.count()).where(
                Resource.resource_type == resource_type,
                Resource.active.is_(True),
                Resource.started_at < to_db(listed_from)))

    def count_missing(self, resource_type, listed_from, margin):
        with self._reader() as session:
            return session.scalar(sa.select(sa.func.count()).where(
                _missing(resource_type, listed_from, margin)))

    def note_missing(self, resource_type, listed_from, when, margin):
        """Date the first listing that missed each missing resource."""
        with self._writer() as session:
            session.execute(sa.update(Resource).where(
                _missing(resource_type, listed_from, margin),
                Resource.missing_since.is_(None)).values(
                missing_since=to_db(when)))

    def missing(self, resource_type, listed_from, margin):
        """Chunks of missing resources, read by key, never all at once."""
        after = 0
        while True:
            with self._reader() as session:
                chunk = [rows.tracked(r) for r in session.execute(
                    sa.select(*TRACKED_COLUMNS).where(
                        _missing(resource_type, listed_from, margin),
                        Resource.id > after).order_by(Resource.id).limit(
                        rows.CHUNK))]
            if not chunk:
                return
            yield chunk
            after = chunk[-1].pk

    # Run reports

    def start_run(self, resource_type, host, started_at):
        with self._writer() as session:
            run = Run(resource_type=resource_type, host=host,
                      started_at=to_db(started_at),
                      status=api_models.RUNNING, listed=0, matched=0,
                      missed_creates=0, missed_deletes=0, drift=0, errors=0)
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id, report):
        with self._writer() as session:
            session.execute(sa.update(Run).where(Run.id == run_id).values(
                finished_at=to_db(report.finished_at), status=report.status,
                listed=report.listed, matched=report.matched,
                missed_creates=report.missed_creates,
                missed_deletes=report.missed_deletes, drift=report.drift,
                errors=report.errors, error=report.error))

    def last_started(self, resource_type, status=None):
        """Start of the latest run of a type (of a status), or None.

        Without a status, audit passes do not count: they are no listing.
        """
        query = sa.select(sa.func.max(Run.started_at)).where(
            Run.resource_type == resource_type)
        if status is not None:
            query = query.where(Run.status == status)
        else:
            query = query.where(Run.status != api_models.AUDIT)
        with self._reader() as session:
            return from_db(session.scalar(query))

    def settled_until(self, resource_types):
        """By type: the start of its last successful run (None if none)."""
        query = sa.select(Run.resource_type, sa.func.max(
            Run.started_at)).where(
            Run.status == api_models.SUCCESS,
            Run.resource_type.in_(sorted(resource_types))).group_by(
            Run.resource_type)
        found = dict.fromkeys(resource_types)
        with self._reader() as session:
            found.update((t, from_db(when))
                         for t, when in session.execute(query))
        return found

    def runs(self, resource_type=None, limit=100):
        """The latest run reports, newest first."""
        query = sa.select(Run).order_by(Run.id.desc()).limit(limit)
        if resource_type:
            query = query.where(Run.resource_type == resource_type)
        with self._reader() as session:
            return [{c.name: getattr(r, c.name) for c in Run.__table__.c}
                    for r in session.scalars(query)]

    # The audit check

    def audit_events(self, since, until):
        """Chunks of (resource pk, audit event) received in the span."""
        after = ''
        while True:
            query = sa.select(
                Event, Resource.resource_type, Resource.resource_id).join(
                Resource).where(Event.action == events.EXISTS,
                                Event.received_at >= to_db(since),
                                Event.received_at < to_db(until),
                                Event.id > after).order_by(Event.id).limit(
                rows.CHUNK)
            with self._reader() as session:
                chunk = [(row.resource_pk, rows.event(row, rtype, rid))
                         for row, rtype, rid in session.execute(query)]
            if not chunk:
                return
            yield chunk
            after = chunk[-1][1].id

    def resource_periods(self, pks):
        with self._reader() as session:
            return transactions.periods_of(session, pks)

    def note_alive(self, seen):
        """Resources seen alive, {pk: time}: later than their last seen."""
        if not seen:
            return
        with self._writer() as session:
            for pk, when in sorted(seen.items()):
                session.execute(sa.update(Resource).where(
                    Resource.id == pk, sa.or_(
                        Resource.last_seen_at.is_(None),
                        Resource.last_seen_at < to_db(when))).values(
                    last_seen_at=to_db(when)))
