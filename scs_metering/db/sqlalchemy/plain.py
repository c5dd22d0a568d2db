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
"""Closing the plain part of a window set-wise, mixed into the transaction.

Most resources of a window are plain: one period spans the whole window,
so the record of each is the window's seconds times its volume, and all
that differs between two resources of one owner and attribute set is the
resource and the record id. Those records are written by the database:
the closer reads the plain resources' keys and owners as narrow rows,
builds each distinct group's record once (the engine's usage rules,
through ``group_of``), names each resource's record (a UUID 5 the
databases cannot all compute), and then one INSERT ... SELECT writes the
records, one more their outbox entries, from two temporary tables of
(resource, record id, group) and of the groups. The rollup gets a delta
per group. Every other resource of the window goes through the periods
read into Python, as before (WindowTransaction.overlapping excludes the
plain ones).
"""

import collections

import sqlalchemy as sa
from sqlalchemy import orm

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import bulk
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rollup

to_db = timeutils.to_db
_RECORD = models.UsageRecord.__table__.c

PERIOD = orm.aliased(models.Period, name='plain_period')

_TEMPORARY = sa.MetaData()
MEMBERS = sa.Table(
    'plain_members', _TEMPORARY,
    sa.Column('resource_pk', models.BigId), sa.Column('id', sa.String(36)),
    sa.Column('group_no', sa.Integer), prefixes=['TEMPORARY'])
GROUPS = sa.Table(
    'plain_groups', _TEMPORARY, sa.Column('group_no', sa.Integer),
    sa.Column('project_id', _RECORD.project_id.type),
    sa.Column('user_id', _RECORD.user_id.type),
    sa.Column('attributes', _RECORD.attributes.type),
    sa.Column('quantity', _RECORD.quantity.type),
    sa.Column('provenance', _RECORD.provenance.type),
    prefixes=['TEMPORARY'])
GROUP_SINKS = sa.Table(
    'plain_group_sinks', _TEMPORARY, sa.Column('group_no', sa.Integer),
    sa.Column('sink_id', models.Outbox.__table__.c.sink_id.type),
    prefixes=['TEMPORARY'])


def _plain(resource_type, start, end, *columns):
    """``columns`` of the periods of a type that make a resource plain.

    Each is a period of a resource that spans [start, end) whole, and no
    other period of it touches the window; the columns are taken from
    PERIOD, and from the resource.
    """
    other = orm.aliased(models.Period)
    start, end = to_db(start), to_db(end)
    return sa.select(*columns).join(
        models.Resource, models.Resource.id == PERIOD.resource_pk).where(
        models.Resource.resource_type == resource_type,
        PERIOD.started_at <= start,
        sa.or_(PERIOD.ended_at.is_(None), PERIOD.ended_at >= end),
        ~sa.exists().where(
            other.resource_pk == PERIOD.resource_pk, other.id != PERIOD.id,
            other.started_at < end,
            sa.or_(other.ended_at.is_(None), other.ended_at > start)))


def plain_pks(resource_type, start, end):
    """Pks of the plain resources of a type in [start, end)."""
    return _plain(resource_type, start, end, PERIOD.resource_pk)


class PlainWindows:
    """WindowTransaction.add_plain_records, for the sqlalchemy driver."""

    def _temporary(self, create):
        """Create (or drop) the temporary tables, in this connection."""
        connection = self.session.connection()
        drop = ('DROP TEMPORARY TABLE IF EXISTS %s'
                if self.dialect == 'mysql' else 'DROP TABLE IF EXISTS %s')
        for table in (MEMBERS, GROUPS, GROUP_SINKS):
            connection.exec_driver_sql(drop % table.name)
            if create:
                table.create(connection)

    def _plain_rows(self, resource_type, start, end):
        return self.session.execute(_plain(
            resource_type, start, end, PERIOD.resource_pk,
            models.Resource.resource_id, PERIOD.project_id, PERIOD.user_id,
            # The text as stored: each distinct set is decoded once.
            sa.type_coerce(PERIOD.attributes, sa.Text), PERIOD.provenance
        ).execution_options(yield_per=10000))

    def add_plain_records(self, meter, resource_type, start, end, group_of,
                          sinks_matching):
        groups, members, by_key = [], [], {}
        counts = collections.Counter()
        for pk, resource_id, project_id, user_id, text, provenance in (
                self._plain_rows(resource_type, start, end)):
            key = (project_id, user_id, text, provenance)
            found = by_key.get(key)
            if found is None:
                made = group_of(project_id, user_id,
                                models.Period.attributes.type.
                                process_result_value(text, None), provenance)
                found = by_key[key] = (len(groups), made and made[1])
                groups.append(made and made[0])
            number, ids = found
            if ids is None:
                # Not billed by this meter: no record.
                continue
            members.append({'resource_pk': pk, 'id': ids(resource_id),
                            'group_no': number})
            counts[number] += 1
        if not members:
            return 0
        # A failed transaction may leave them behind (MariaDB's are not
        # transactional): creating them drops any first.
        self._temporary(True)
        self._write(meter, resource_type, start, end, groups, members,
                    counts, sinks_matching)
        self._temporary(False)
        return len(members)

    def _write(self, meter, resource_type, start, end, groups, members,
               counts, sinks_matching):
        session = self.session
        bulk.insert(session, MEMBERS, members)
        session.execute(sa.insert(GROUPS), [
            {'group_no': n, 'project_id': g.project_id,
             'user_id': g.user_id, 'attributes': g.attributes_json,
             'quantity': g.quantity, 'provenance': g.provenance}
            for n, g in enumerate(groups) if counts[n]])
        entries = [{'group_no': n, 'sink_id': sink['id']}
                   for n, g in enumerate(groups) if counts[n]
                   for sink in sinks_matching(g)]
        if entries:
            session.execute(sa.insert(GROUP_SINKS), entries)
        now = to_db(self.now)
        member, group = MEMBERS.c, GROUPS.c
        given = {
            'id': member.id, 'revision': sa.literal(1),
            'current': sa.literal(True), 'meter': sa.literal(meter.name),
            'unit': sa.literal(meter.unit), 'resource_pk': member.resource_pk,
            'resource_type': models.Resource.resource_type,
            'resource_id': models.Resource.resource_id,
            'project_id': group.project_id, 'user_id': group.user_id,
            'window_start': sa.literal(to_db(start), sa.DateTime),
            'window_end': sa.literal(to_db(end), sa.DateTime),
            'attributes': group.attributes, 'quantity': group.quantity,
            'provenance': group.provenance,
            'created_at': sa.literal(now, sa.DateTime)}
        session.execute(sa.insert(models.UsageRecord).from_select(
            list(given), sa.select(*given.values()).select_from(
                MEMBERS.join(GROUPS, group.group_no == member.group_no).join(
                    models.Resource,
                    models.Resource.id == member.resource_pk))))
        sink = GROUP_SINKS.c
        entry = {
            'sink_id': sink.sink_id,
            'kind': sa.literal(api_models.USAGE_TABLE),
            'record_id': member.id, 'revision': sa.literal(1),
            'state': sa.literal(api_models.PENDING),
            'attempts': sa.literal(0),
            'next_attempt_at': sa.literal(now, sa.DateTime),
            'created_at': sa.literal(now, sa.DateTime)}
        session.execute(sa.insert(models.Outbox).from_select(
            list(entry), sa.select(*entry.values()).select_from(
                MEMBERS.join(GROUP_SINKS, sink.group_no == member.group_no)
            ).order_by(member.resource_pk, sink.sink_id)))
        # The rollup: each group's record, as many times as it was written.
        rollup.apply(session, [{
            'project_id': g.project_id, 'meter': meter.name,
            'unit': meter.unit, 'resource_type': resource_type,
            'window_start': to_db(start), 'window_end': to_db(end),
            'attributes': g.attributes_json,
            'quantity': g.quantity * counts[n],
            'provenance': {name: seconds * counts[n] for name, seconds in
                           g.provenance.items()}}
            for n, g in enumerate(groups) if counts[n]], [])
