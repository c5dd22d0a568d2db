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
"""Reads behind the API's reports: usage, resources and service health.

``ReportsMixin`` is mixed into the Connection. Its queries are bounded:
lists are paginated and the usage report reads the per-window rollup
(see rollup.py), not the records themselves.
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rollup
from scs_metering.db.sqlalchemy import rows

from_db = timeutils.from_db
to_db = timeutils.to_db


def _overlapping(query, start, end):
    if start is not None:
        query = query.where(sa.or_(models.Period.ended_at.is_(None),
                                   models.Period.ended_at > to_db(start)))
    if end is not None:
        query = query.where(models.Period.started_at < to_db(end))
    return query


class ReportsMixin:
    """The Connection's report reads, and the heartbeat write."""

    # Usage

    def usage_report(self, project_id=None, start=None, end=None,
                     meters=None, resource_types=None):
        """Usage per meter, resource type, project and attribute set.

        Counts the current revision of every record whose window lies in
        [start, end). Returns dicts with exact Decimal quantities and the
        seconds backed by each provenance.
        """
        with self._reader() as session:
            return rollup.report(session, project_id, start, end, meters,
                                 resource_types)

    # Resources

    def resources(self, project_id=None, resource_type=None,
                  resource_id=None, start=None, end=None, limit=100,
                  marker=None):
        """Resources with their periods, ordered by type and id.

        With ``project_id``, only resources with a period billed to that
        project, and only those periods: a resource moved between
        projects shows each project its own part. ``start`` and ``end``
        keep resources alive in that span. ``marker`` is the (type, id)
        of the last resource of the previous page.
        """
        with self._reader() as session:
            query = sa.select(models.Resource).order_by(
                models.Resource.resource_type, models.Resource.resource_id)
            if resource_type:
                query = query.where(
                    models.Resource.resource_type == resource_type)
            if resource_id:
                query = query.where(
                    models.Resource.resource_id == resource_id)
            if marker:
                query = query.where(sa.tuple_(
                    models.Resource.resource_type,
                    models.Resource.resource_id) > sa.tuple_(*marker))
            if project_id or start or end:
                periods = _overlapping(sa.select(models.Period.id).where(
                    models.Period.resource_pk == models.Resource.id),
                    start, end)
                if project_id:
                    periods = periods.where(
                        models.Period.project_id == project_id)
                query = query.where(periods.exists())
            found = list(session.scalars(query.limit(limit)))
            return self._with_periods(session, found, project_id, start,
                                      end)

    def _with_periods(self, session, found, project_id, start, end):
        by_pk = {}
        for row in found:
            by_pk[row.id] = dict(rows.resource_report(row), periods=[])
        if by_pk:
            query = _overlapping(sa.select(models.Period).where(
                models.Period.resource_pk.in_(list(by_pk))), start, end)
            if project_id:
                query = query.where(models.Period.project_id == project_id)
            for row in session.scalars(query.order_by(
                    models.Period.resource_pk, models.Period.started_at)):
                by_pk[row.resource_pk]['periods'].append(
                    rows.period_report(row))
        return [by_pk[row.id] for row in found]

    def resource(self, resource_type, resource_id):
        """One resource with all its periods, or None."""
        found = self.resources(resource_type=resource_type,
                               resource_id=resource_id, limit=1)
        return found[0] if found else None

    # Replay

    def queue_replay(self, sink_id, start, end, matching):
        """Queue the current records of [start, end) for a sink again.

        Each becomes a new outbox entry under the record's own id and
        revision, so a sink that already holds it sees a duplicate it can
        drop. Usage records count when their window lies in the range,
        lifecycle records when they occurred in it; ``matching(record)``
        applies the sink's filters. Returns the number queued.
        """
        now = to_db(timeutils.utcnow())
        queued = 0
        with self._writer() as session:
            if session.get(models.Sink, sink_id) is None:
                raise api.NotFound(sink_id)
            usage = models.UsageRecord
            lifecycle = models.LifecycleRecord
            sources = (
                (api_models.USAGE_TABLE, rows.usage_record,
                 sa.select(usage).where(
                     usage.current.is_(True),
                     usage.window_start >= to_db(start),
                     usage.window_end <= to_db(end))),
                (api_models.LIFECYCLE_TABLE, rows.lifecycle_record,
                 sa.select(lifecycle).where(
                     lifecycle.current.is_(True),
                     lifecycle.occurred_at >= to_db(start),
                     lifecycle.occurred_at < to_db(end))))
            for kind, convert, query in sources:
                entries = []
                for row in session.scalars(query):
                    record = convert(row)
                    if matching(record):
                        entries.append({
                            'sink_id': sink_id, 'kind': kind,
                            'record_id': record.id,
                            'revision': record.revision,
                            'state': api_models.PENDING, 'attempts': 0,
                            'next_attempt_at': now, 'created_at': now})
                for chunk in rows.chunks(entries):
                    session.execute(sa.insert(models.Outbox), chunk)
                queued += len(entries)
        return queued

    # Service health

    def beat(self, host, binary, started_at, info=None, now=None):
        """Record that a service was alive at ``now``.

        An older heartbeat than the one stored (an agent's, redelivered
        late) changes nothing.
        """
        now = to_db(now or timeutils.utcnow())
        with self._writer() as session:
            row = session.get(models.ServiceHeartbeat, (host, binary))
            if row is None:
                row = models.ServiceHeartbeat(host=host, binary=binary)
                session.add(row)
            elif row.heartbeat_at > now:
                return
            row.started_at = to_db(started_at)
            row.heartbeat_at = now
            row.info = info or {}

    def heartbeats(self):
        with self._reader() as session:
            return [{'host': r.host, 'binary': r.binary,
                     'started_at': from_db(r.started_at),
                     'heartbeat_at': from_db(r.heartbeat_at),
                     'info': r.info or {}}
                    for r in session.scalars(sa.select(
                        models.ServiceHeartbeat).order_by(
                        models.ServiceHeartbeat.binary,
                        models.ServiceHeartbeat.host))]

    def expire_heartbeats(self, before):
        with self._writer() as session:
            return session.execute(sa.delete(models.ServiceHeartbeat).where(
                models.ServiceHeartbeat.heartbeat_at < to_db(before))
            ).rowcount

    def last_reconciliations(self):
        """The latest reconciliation run of each resource type."""
        run = models.ReconciliationRun
        latest = sa.select(run.resource_type,
                           sa.func.max(run.id).label('id')).group_by(
            run.resource_type).subquery()
        with self._reader() as session:
            last_success = dict(session.execute(sa.select(
                run.resource_type, sa.func.max(run.started_at)).where(
                run.status == api_models.SUCCESS).group_by(
                run.resource_type)).all())
            rows = session.scalars(sa.select(run).join(
                latest, run.id == latest.c.id).order_by(run.resource_type))
            return [{'resource_type': r.resource_type, 'host': r.host,
                     'last_success_at': from_db(last_success.get(
                         r.resource_type)),
                     'started_at': from_db(r.started_at),
                     'finished_at': from_db(r.finished_at), 'status': r.status,
                     'listed': r.listed, 'matched': r.matched,
                     'missed_creates': r.missed_creates,
                     'missed_deletes': r.missed_deletes, 'drift': r.drift,
                     'errors': r.errors, 'error': r.error}
                    for r in rows]

    def window_progress(self):
        """How far each meter's windows are closed, {meter: time}."""
        with self._reader() as session:
            return {meter: from_db(until) for meter, until in session.execute(
                sa.select(models.WindowState.meter,
                          models.WindowState.closed_until))}

    def quarantine_summary(self):
        """Quarantined notifications: counts by service, oldest, newest."""
        q = models.Quarantine
        with self._reader() as session:
            by_service = {
                service or 'unknown': count
                for service, count in session.execute(sa.select(
                    q.service, sa.func.count()).group_by(q.service))}
            oldest, newest = session.execute(sa.select(
                sa.func.min(q.received_at),
                sa.func.max(q.received_at))).one()
        return {'total': sum(by_service.values()),
                'by_service': by_service, 'oldest': from_db(oldest),
                'newest': from_db(newest)}
