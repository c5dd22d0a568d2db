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
"""Parked groups: a window's group whose records the database refused.

The window closer writes each window under a savepoint; when the
database refuses it, each group is tried under its own, and a refused
group is parked here, in the closer's transaction, so the window closes
for every other group (engine/windows.py).
"""

import contextlib

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import stalls

Parked = models.ParkedGroup


def _parked(row):
    return {'meter': row.meter,
            'window_start': timeutils.from_db(row.window_start),
            'window_end': timeutils.from_db(row.window_end),
            'project_id': row.project_id, 'user_id': row.user_id,
            'attributes': row.attributes, 'group_key': row.group_key,
            'reason': row.reason,
            'since': timeutils.from_db(row.since),
            'last_attempt': timeutils.from_db(row.last_attempt),
            'attempts': row.attempts}


class ParkedWrites:
    """WindowTransaction's savepoints and parked groups."""

    @contextlib.contextmanager
    def savepoint(self):
        with self.session.begin_nested():
            yield

    def parked(self, meters):
        query = sa.select(Parked).where(
            Parked.meter.in_(sorted(m.name for m in meters))).order_by(
            Parked.id)
        return [_parked(row) for row in self.session.scalars(query)]

    def park(self, meter, start, end, key, project_id, user_id, attributes,
             reason):
        now = timeutils.to_db(self.now)
        row = self.session.scalars(sa.select(Parked).where(
            Parked.meter == meter.name,
            Parked.window_start == timeutils.to_db(start),
            Parked.group_key == key)).first()
        if row is None:
            self.session.add(Parked(
                meter=meter.name, window_start=timeutils.to_db(start),
                window_end=timeutils.to_db(end), group_key=key,
                project_id=project_id, user_id=user_id,
                attributes=attributes, reason=reason[:stalls.REASON_LENGTH],
                since=now, last_attempt=now, attempts=1))
        else:
            row.reason = reason[:stalls.REASON_LENGTH]
            row.last_attempt = now
            row.attempts += 1
        self.session.flush()

    def unpark(self, meter, start, group):
        self.session.execute(sa.delete(Parked).where(
            Parked.meter == meter.name,
            Parked.window_start == timeutils.to_db(start),
            Parked.group_key == group))


class ParkedMixin:
    """The Connection's reads and manual retry marks of parked groups."""

    def parked_groups(self, meter=None, limit=None):
        query = sa.select(Parked).order_by(Parked.since.desc(),
                                           Parked.id.desc())
        if meter is not None:
            query = query.where(Parked.meter == meter)
        if limit is not None:
            query = query.limit(limit)
        with self._reader() as session:
            return [_parked(row) for row in session.scalars(query)]

    def parked_count(self):
        with self._reader() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(
                Parked))
