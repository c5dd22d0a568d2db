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
"""Audit notifications as StackTach used them: heartbeats and checks.

An ``*.exists`` notification says a resource existed, in a given state,
at a given time. The engine folds it like any snapshot, which already
corrects a timeline that missed the resource's create or a change. This
check looks at every audit event stored since its last pass and records
what it found: matched (and then a heartbeat: the resource is known alive
at that time, which narrows the bounds of a later inferred delete), a
missed create or a drift the audit corrected, or a conflict the engine
cannot fold (an audit of a resource it has ended), which is reported for
an operator. Each pass is stored per resource type in
``reconciliation_runs`` with status ``audit``.
"""

import collections
import datetime

from oslo_log import log
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows
from scs_metering import events
from scs_metering.reconcile import diff
from scs_metering.reconcile import runner
from scs_metering.reconcile import store as store_mod

LOG = log.getLogger(__name__)
AUDIT = store_mod.AUDIT
# Events are read up to this long before now, so that a transaction
# still committing when a pass starts is read by the next pass.
LAG = datetime.timedelta(seconds=60)
E, R, P = models.Event, models.Resource, models.Period


class AuditCheck:

    def __init__(self, connection, host, clock=timeutils.utcnow,
                 chunk=500):
        self.connection = connection
        self.host = host
        self.clock = clock
        self.chunk = chunk
        self.store = store_mod.Store(connection)

    def run(self):
        """Check the audits received since the last pass; return reports."""
        until = self.clock() - LAG
        since = self.store.last_started(AUDIT, AUDIT) or timeutils.EPOCH
        reports = {}
        for chunk in self._audits(since, until):
            periods = self._periods({pk for pk, _e in chunk})
            seen = []
            for pk, event in chunk:
                report = reports.setdefault(event.resource_type,
                                            runner.Report(
                                                event.resource_type, until))
                report.listed += 1
                kind = classify(event, periods[pk])
                report.count(kind)
                if kind == diff.MATCHED:
                    seen.append((pk, event.time))
                elif kind == diff.CONFLICT:
                    LOG.warning('Audit of %s %s at %s: the engine has no '
                                'life of it then', event.resource_type,
                                event.resource_id, event.time)
            self._heartbeat(seen)
        # One row per type checked, and one that says how far the audits
        # are read, even when none came.
        mark = runner.Report(AUDIT, until, listed=sum(
            r.listed for r in reports.values()))
        for report in list(reports.values()) + [mark]:
            report.status, report.finished_at = AUDIT, self.clock()
            run_id = self.store.start_run(report.resource_type, self.host,
                                          until)
            self.store.finish_run(run_id, report)
            if report is not mark:
                LOG.info('Audit of %s', report.summary())
        return sorted(reports.values(), key=lambda r: r.resource_type)

    def _audits(self, since, until):
        """Chunks of (resource pk, audit event) received in the span."""
        after = ''
        while True:
            query = sa.select(E, R.resource_type, R.resource_id).join(
                R).where(E.action == events.EXISTS,
                         E.received_at >= timeutils.to_db(since),
                         E.received_at < timeutils.to_db(until),
                         E.id > after).order_by(E.id).limit(self.chunk)
            with self.connection.reader() as session:
                chunk = [(row.resource_pk, rows.event(row, rtype, rid))
                         for row, rtype, rid in session.execute(query)]
            if not chunk:
                return
            yield chunk
            after = chunk[-1][1].id

    def _periods(self, pks):
        found = collections.defaultdict(list)
        with self.connection.reader() as session:
            for chunk in rows.chunks(sorted(pks), self.chunk):
                for row in session.scalars(sa.select(P).where(
                        P.resource_pk.in_(chunk)).order_by(P.started_at)):
                    found[row.resource_pk].append(rows.period(row))
        return found

    def _heartbeat(self, seen):
        latest = {}
        for pk, when in seen:
            latest[pk] = max(when, latest.get(pk, when))
        if not latest:
            return
        with self.connection.writer() as session:
            for pk, when in sorted(latest.items()):
                session.execute(sa.update(R).where(
                    R.id == pk, sa.or_(
                        R.last_seen_at.is_(None),
                        R.last_seen_at < timeutils.to_db(when))).values(
                    last_seen_at=timeutils.to_db(when)))


def classify(event, periods):
    """What an audit event tells of the timeline the engine has."""
    for index, period in enumerate(periods):
        if period.start_event_id == event.id:
            # The audit changed the timeline: the engine had missed the
            # life's start, or a change.
            before = periods[index - 1] if index else None
            if before is None or before.end != period.start:
                return diff.CREATED
            return diff.DRIFT
    if any(p.covers(event.time) for p in periods):
        return diff.MATCHED
    return diff.CONFLICT
