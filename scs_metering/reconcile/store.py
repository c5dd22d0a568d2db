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

Events never go through here: they are stored by the engine's Ingestor
like any other. This module only keeps the reconciliation bookkeeping of
resources (when last listed, since when missing) and the run reports.
"""

import datetime

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows
from scs_metering import events
from scs_metering.reconcile import diff

_t = timeutils.from_db
_db = timeutils.to_db
R = models.Resource
E = models.Event
RUN = models.ReconciliationRun

# Run statuses. Only a successful run covers time for settled windows.
RUNNING = 'running'
SUCCESS = 'success'
FAILED = 'failed'
REFUSED = 'refused'
# A pass of the audit check (audit.py), not a listing.
AUDIT = 'audit'


# The columns a reconciliation reads, in the order _tracked unpacks them;
# whole ORM objects, or even reading a row's fields by name, cost too much
# per row when a listing runs to millions.
_COLUMNS = (R.id, R.resource_id, R.active, R.project_id, R.user_id,
            R.attributes, R.started_at, R.ended_at, R.first_event_at,
            R.last_event_at, R.last_seen_at, R.missing_since)


def _tracked(row):
    (pk, resource_id, active, project_id, user_id, attributes, started_at,
     ended_at, first, last_event_at, last_seen_at, missing_since) = row
    tracked = diff.Tracked(
        pk=pk, resource_id=resource_id, active=active,
        project_id=project_id, user_id=user_id, attributes=attributes,
        started_at=_t(started_at), ended_at=_t(ended_at),
        last_event_at=_t(last_event_at), last_seen_at=_t(last_seen_at),
        missing_since=_t(missing_since))
    first = _t(first)
    if tracked.started_at is not None and first is not None and (
            first > tracked.started_at):
        # One life, backdated from its first event.
        tracked.first_known, tracked.opened_by_create = first, False
    else:
        # Opened by a create or by an event at its own start (nova's
        # resize moves launched_at to its time), or several lives.
        tracked.first_known = None
    return tracked


class Store:

    def __init__(self, connection, chunk=500, margin=0):
        self.connection = connection
        self.chunk = chunk
        # Seconds of clock difference allowed between us and the hosts
        # that date resources (APIs and notifications).
        self.margin = datetime.timedelta(seconds=margin)

    def tracked(self, resource_type, resource_ids, born=None):
        """Tracked resources by id; ids the engine never saw are absent.

        ``born`` maps ids to the earliest start the listing allows: only
        lives that may have started before the engine's start need their
        opening event looked up.
        """
        born = born or {}
        found = {}
        with self.connection.reader() as session:
            for chunk in rows.chunks(sorted(set(resource_ids)), self.chunk):
                query = sa.select(*_COLUMNS).where(
                    R.resource_type == resource_type,
                    R.resource_id.in_(chunk))
                # Core rows: the ORM's result handling would double
                # the cost of reading them.
                found.update((t.resource_id, t) for t in map(
                    _tracked, session.connection().execute(query)))
            unsure = []
            for t in found.values():
                if t.started_at is None or t.first_known is not None:
                    continue
                if born.get(t.resource_id, t.started_at) < t.started_at:
                    unsure.append(t)
                else:
                    t.first_known = t.started_at
            self._note_creates(session, unsure)
        return found

    def _note_creates(self, session, lives):
        """Mark the lives that no create event opened.

        The engine backdated those from a later event's snapshot; the
        time of that first event bounds what is known of their start.
        """
        first = {}
        for chunk in rows.chunks(sorted(t.pk for t in lives), self.chunk):
            query = sa.select(
                E.resource_pk, sa.func.min(E.event_time),
                sa.func.max(sa.case((E.action == events.CREATE, 1),
                                    else_=0))).join(
                R, R.id == E.resource_pk).where(
                E.resource_pk.in_(chunk), E.action != events.SAMPLE,
                E.event_time >= R.started_at,
                sa.or_(E.action != events.CREATE,
                       E.event_time == R.started_at)).group_by(
                E.resource_pk)
            first.update((pk, (_t(when), bool(opened)))
                         for pk, when, opened in session.execute(query))
        for tracked in lives:
            tracked.first_known, tracked.opened_by_create = first.get(
                tracked.pk, (tracked.started_at, True))

    def mark_seen(self, resource_type, listings):
        """Listed: alive at each listing's time, no longer missing.

        ``listings`` holds (resource ids, when listed) pairs, marked in
        one transaction.
        """
        with self.connection.writer() as session:
            for resource_ids, when in listings:
                for chunk in rows.chunks(sorted(set(resource_ids)),
                                         self.chunk):
                    session.execute(sa.update(R).where(
                        R.resource_type == resource_type,
                        R.resource_id.in_(chunk)).values(
                        last_seen_at=_db(when), missing_since=None))

    def _missing_condition(self, resource_type, listed_from):
        # Active, not listed by this run, and neither started nor changed
        # since the listing began (less the clock margin): anything newer
        # may have come after its page, and waits for the next run.
        quiet = _db(listed_from - self.margin)
        return sa.and_(
            R.resource_type == resource_type, R.active.is_(True),
            R.started_at < quiet,
            sa.or_(R.last_event_at.is_(None), R.last_event_at < quiet),
            sa.or_(R.last_seen_at.is_(None),
                   R.last_seen_at < _db(listed_from)))

    def count_active(self, resource_type, listed_from):
        with self.connection.reader() as session:
            return session.scalar(sa.select(sa.func.count()).where(
                R.resource_type == resource_type, R.active.is_(True),
                R.started_at < _db(listed_from)))

    def count_missing(self, resource_type, listed_from):
        with self.connection.reader() as session:
            return session.scalar(sa.select(sa.func.count()).where(
                self._missing_condition(resource_type, listed_from)))

    def note_missing(self, resource_type, listed_from, when):
        """Date the first listing that missed each missing resource."""
        with self.connection.writer() as session:
            session.execute(sa.update(R).where(
                self._missing_condition(resource_type, listed_from),
                R.missing_since.is_(None)).values(missing_since=_db(when)))

    def missing(self, resource_type, listed_from):
        """Chunks of missing resources, read by key, never all at once."""
        after = 0
        while True:
            with self.connection.reader() as session:
                chunk = [_tracked(r) for r in session.execute(
                    sa.select(*_COLUMNS).where(
                        self._missing_condition(resource_type, listed_from),
                        R.id > after).order_by(R.id).limit(self.chunk))]
            if not chunk:
                return
            yield chunk
            after = chunk[-1].pk

    # Run reports

    def start_run(self, resource_type, host, started_at):
        with self.connection.writer() as session:
            run = RUN(resource_type=resource_type, host=host,
                      started_at=_db(started_at), status=RUNNING, listed=0,
                      matched=0, missed_creates=0, missed_deletes=0,
                      drift=0, errors=0)
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id, report):
        with self.connection.writer() as session:
            session.execute(sa.update(RUN).where(RUN.id == run_id).values(
                finished_at=_db(report.finished_at), status=report.status,
                listed=report.listed, matched=report.matched,
                missed_creates=report.missed_creates,
                missed_deletes=report.missed_deletes, drift=report.drift,
                errors=report.errors, error=report.error))

    def last_started(self, resource_type, status=None):
        """Start of the latest run of a type (of a status), or None.

        Without a status, audit passes do not count: they are no listing.
        """
        query = sa.select(sa.func.max(RUN.started_at)).where(
            RUN.resource_type == resource_type)
        if status is not None:
            query = query.where(RUN.status == status)
        else:
            query = query.where(RUN.status != AUDIT)
        with self.connection.reader() as session:
            return _t(session.scalar(query))

    def settled_until(self, resource_types):
        """By type: the start of its last successful run (None if none)."""
        query = sa.select(RUN.resource_type, sa.func.max(
            RUN.started_at)).where(
            RUN.status == SUCCESS,
            RUN.resource_type.in_(sorted(resource_types))).group_by(
            RUN.resource_type)
        found = dict.fromkeys(resource_types)
        with self.connection.reader() as session:
            found.update((t, _t(when)) for t, when in session.execute(query))
        return found

    def runs(self, resource_type=None, limit=100):
        """The latest run reports, newest first."""
        query = sa.select(RUN).order_by(RUN.id.desc()).limit(limit)
        if resource_type:
            query = query.where(RUN.resource_type == resource_type)
        with self.connection.reader() as session:
            return [{c.name: getattr(r, c.name) for c in RUN.__table__.c}
                    for r in session.scalars(query)]


def coverage(conf, connection):
    """The WindowCloser's ``settled`` callable, or None for time only.

    A type is covered up to the start of its last successful run, less
    the clock margin. A reconciled type that never had a successful run
    is covered up to the epoch: none of its windows closes until one
    succeeds.
    """
    section = conf.reconciliation
    if not section.resource_types or not section.settle_windows:
        return None
    store = Store(connection)
    # A run proves absence only for what was quiet a clock margin before
    # it started.
    margin = datetime.timedelta(seconds=section.clock_margin)

    def settled():
        return {t: when - margin if when else timeutils.EPOCH
                for t, when in store.settled_until(
                    section.resource_types).items()}
    return settled
