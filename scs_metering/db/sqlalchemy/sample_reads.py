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
"""The reads of gauge, counter and delta samples when closing windows."""

import sqlalchemy as sa
from sqlalchemy import orm

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows
from scs_metering import events

to_db = timeutils.to_db


class SampleReads:
    """Mixed into the window transaction; needs ``self.session``."""

    def _conditions(self, resource_type, meter_name):
        # A sample a correction voided is left out: the void carries its
        # meter, time and volume (engine/corrections.py). A second sample
        # with the same reading at the same time is the same reading.
        void = orm.aliased(models.Event)
        return [models.Resource.resource_type == resource_type,
                models.Event.meter == meter_name,
                models.Event.action == events.SAMPLE,
                ~sa.exists().where(
                    void.resource_pk == models.Event.resource_pk,
                    void.event_time == models.Event.event_time,
                    void.action == events.VOID,
                    void.meter == models.Event.meter,
                    void.volume == models.Event.volume)]

    def earliest_sample(self, resource_type, meter_name):
        return timeutils.from_db(self.session.scalar(
            sa.select(sa.func.min(models.Event.event_time)).join(
                models.Resource).where(
                *self._conditions(resource_type, meter_name))))

    def samples(self, resource_type, meter_name, start, end, since=None,
                before=False, pks=None):
        """(resource, samples) of the resources a window needs.

        Samples in [start, end) and, with ``before``, each resource's
        latest ones before start: not before ``since`` if given, else only
        for resources with samples in the window (a counter's previous
        reading, however old). ``pks`` limits the resources.
        """
        conditions = self._conditions(resource_type, meter_name)
        if since is not None:
            conditions.append(models.Event.event_time >= to_db(since))
        within = (models.Event.event_time >= to_db(start),
                  models.Event.event_time < to_db(end))
        found = []
        for chunk in rows.chunks(pks) if pks is not None else [None]:
            found += self._read(conditions, chunk, *within)
        if before:
            earlier = models.Event.event_time < to_db(start)
            if since is not None and pks is None:
                found += self._latest(conditions, None, earlier)
            else:
                chosen = sorted({r.id for _e, r in found} if since is None
                                else pks)
                for chunk in rows.chunks(chosen):
                    found += self._latest(conditions, chunk, earlier)
        by_pk = {}
        for event, resource in found:
            _state, samples = by_pk.setdefault(
                resource.id, (rows.resource(resource), []))
            samples.append(rows.event(event, resource.resource_type,
                                      resource.resource_id))
        return [by_pk[pk] for pk in sorted(by_pk)]

    def _read(self, conditions, pks, *more):
        if pks is not None:
            more += (models.Event.resource_pk.in_(pks),)
        return list(self.session.execute(
            sa.select(models.Event, models.Resource).join(
                models.Resource).where(*conditions, *more)))

    def _latest(self, conditions, pks, *more):
        """The samples at each resource's latest time matching."""
        if pks is not None:
            more += (models.Event.resource_pk.in_(pks),)
        latest = sa.select(
            models.Event.resource_pk,
            sa.func.max(models.Event.event_time).label('at')).join(
            models.Resource).where(*conditions, *more).group_by(
            models.Event.resource_pk).subquery()
        return list(self.session.execute(
            sa.select(models.Event, models.Resource).join(
                models.Resource).join(latest, sa.and_(
                    models.Event.resource_pk == latest.c.resource_pk,
                    models.Event.event_time == latest.c.at)).where(
                *conditions)))
