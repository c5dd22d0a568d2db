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
"""The Connection's correction operations: the audit trail, and the
events a correction is planned from."""

import dataclasses

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows

to_db = timeutils.to_db
from_db = timeutils.from_db
_FIELDS = [f.name for f in dataclasses.fields(api_models.Correction)]


def _correction(row):
    values = {name: getattr(row, name) for name in _FIELDS}
    for name in ('requested_at', 'time', 'applied_at'):
        values[name] = from_db(values[name])
    values['event_ids'] = tuple(row.event_ids or ())
    return api_models.Correction(**values)


def _values(correction):
    values = dataclasses.asdict(correction)
    for name in ('requested_at', 'time', 'applied_at'):
        values[name] = to_db(values[name])
    values['event_ids'] = list(correction.event_ids)
    return values


class CorrectionsMixin:

    def add_correction(self, correction):
        with self._writer() as session:
            session.execute(sa.insert(models.Correction).values(
                _values(correction)))
        return correction

    def correction(self, correction_id):
        with self._reader() as session:
            row = session.get(models.Correction, correction_id)
            if row is None:
                raise api.NotFound('no correction has id %s' % correction_id)
            return _correction(row)

    def corrections(self, limit=100, marker=None, status=None,
                    resource_type=None, resource_id=None):
        table = models.Correction
        with self._reader() as session:
            query = sa.select(table).order_by(table.requested_at, table.id)
            if marker is not None:
                after = session.get(table, marker)
                if after is None:
                    raise api.NotFound('no correction has id %s' % marker)
                query = query.where(sa.or_(
                    table.requested_at > after.requested_at,
                    sa.and_(table.requested_at == after.requested_at,
                            table.id > after.id)))
            for name, value in (('status', status),
                                ('resource_type', resource_type),
                                ('resource_id', resource_id)):
                if value is not None:
                    query = query.where(getattr(table, name) == value)
            return [_correction(r) for r in session.scalars(
                query.limit(limit))]

    def finish_correction(self, correction_id, status, event_ids=(),
                          error=None, now=None):
        with self._writer() as session:
            session.execute(sa.update(models.Correction).where(
                models.Correction.id == correction_id).values(
                status=status, event_ids=list(event_ids), error=error,
                applied_at=to_db(now or timeutils.utcnow())))

    def resource_events(self, resource_type, resource_id):
        with self._reader() as session:
            pk = session.scalar(sa.select(models.Resource.id).where(
                models.Resource.resource_type == resource_type,
                models.Resource.resource_id == resource_id))
            if pk is None:
                return []
            query = sa.select(models.Event).where(
                models.Event.resource_pk == pk).order_by(
                models.Event.event_time, models.Event.id)
            return [rows.event(r, resource_type, resource_id)
                    for r in session.scalars(query)]

    def event(self, event_id):
        with self._reader() as session:
            found = session.execute(sa.select(
                models.Event, models.Resource.resource_type,
                models.Resource.resource_id).join(
                models.Resource,
                models.Resource.id == models.Event.resource_pk).where(
                models.Event.id == event_id)).first()
            return None if found is None else rows.event(*found)
