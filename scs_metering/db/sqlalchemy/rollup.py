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
"""The usage rollup: current usage summed over resources, per window and day.

A month of hourly records of 10,000 servers is 7.2 million rows; a report
summing them would take seconds. The rollup keeps the sum of the current
record revisions for each project, meter, resource type and attribute set
at two levels: per window (``usage_rollup``) and per UTC day
(``usage_rollup_daily``; a window longer than a day counts in the row of
the days it spans). Both are maintained in the transaction that writes the
records (``apply``), so they are never behind them: a new revision adds
its quantity and provenance, the revision it replaces subtracts its own.

A report sums the daily rows of the whole days of its range and the window
rows of the partial days at its edges. PostgreSQL and MariaDB sum the
daily rows themselves (NUMERIC is exact there); SQLite keeps quantities
as text, so its rows are summed in Python, exactly too. The records stay
the source of truth: ``records_report`` computes the same report from
them, and tests check that both agree.
"""

import collections
import datetime
import decimal
import hashlib
import operator

import sqlalchemy as sa

from scs_metering.common import jsonutils
from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows
from scs_metering import events

to_db = timeutils.to_db
DAY = datetime.timedelta(days=1)
# The usage_records columns the rollup sums or keys on.
FIELDS = ('project_id', 'meter', 'unit', 'resource_type', 'window_start',
          'window_end', 'attributes', 'quantity', 'provenance')
# The daily rollup's column of each provenance.
PROVENANCE_COLUMNS = {name: 'provenance_%s' % name
                      for name in events.PROVENANCES}


def attributes_key(attributes):
    """The rollup's key of an attribute set: a hash of its canonical JSON."""
    text = jsonutils.encoded(attributes)
    return hashlib.sha256(text.encode()).hexdigest()


def day_floor(when):
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def day_ceil(when):
    floor = day_floor(when)
    return floor if floor == when else floor + DAY


def fold(deltas, values, sign=1, daily=False):
    """Add (sign 1) or take out (-1) a usage_records row, given as a dict.

    Keyed by its window start or, with ``daily``, by the UTC days its
    window spans.
    """
    if daily:
        span = (day_floor(values['window_start']),
                day_ceil(values['window_end']))
    else:
        span = (values['window_start'],)
    key = ((values['project_id'] or '', values['meter'],
            values['resource_type']) + span +
           (values.get('attributes_key') or attributes_key(
               values['attributes']),))
    entry = deltas.get(key)
    if entry is None:
        entry = deltas[key] = {
            'unit': values['unit'], 'window_end': values['window_end'],
            'attributes': values['attributes'],
            'quantity': decimal.Decimal(0),
            'provenance': collections.Counter()}
    entry['quantity'] += sign * values['quantity']
    for provenance, seconds in values['provenance'].items():
        entry['provenance'][provenance] += sign * seconds


def new_rows(deltas):
    """Window rollup rows of folded deltas, for keys not stored yet."""
    return [{'project_id': key[0], 'meter': key[1], 'resource_type': key[2],
             'window_start': key[3], 'attributes_key': key[4],
             'unit': delta['unit'], 'window_end': delta['window_end'],
             'attributes': delta['attributes'],
             'quantity': delta['quantity'],
             'provenance': _seconds(delta['provenance'])}
            for key, delta in sorted(deltas.items())]


def _new_daily_rows(deltas):
    return [dict({'project_id': key[0], 'meter': key[1],
                  'resource_type': key[2], 'day_start': key[3],
                  'day_end': key[4], 'attributes_key': key[5],
                  'unit': delta['unit'], 'attributes': delta['attributes'],
                  'quantity': delta['quantity']},
                 **_provenance_columns(delta['provenance']))
            for key, delta in sorted(deltas.items())]


def _provenance_columns(counter):
    unknown = set(counter) - set(PROVENANCE_COLUMNS)
    if unknown:
        # A provenance the daily rollup has no column for would be lost.
        raise ValueError('no daily rollup column for provenance %s' %
                         ', '.join(sorted(unknown)))
    return {column: counter.get(name, 0)
            for name, column in PROVENANCE_COLUMNS.items()}


def _daily_provenance(row):
    return {name: getattr(row, column)
            for name, column in PROVENANCE_COLUMNS.items()}


class _Level:
    """A rollup table: its key columns, and how its rows are written."""

    def __init__(self, model, span, new, provenance, stored):
        self.model = model
        self.names = (('project_id', 'meter', 'resource_type') + span +
                      ('attributes_key',))
        self.columns = tuple(getattr(model, name) for name in self.names)
        self.new = new
        self.provenance = provenance
        # The stored columns of a provenance Counter.
        self.stored = stored

    def key(self, row):
        return tuple(getattr(row, name) for name in self.names)

    def store(self, session, deltas):
        """Add folded deltas to the stored rows, creating missing ones."""
        updates = []
        for chunk in rows.chunks(sorted(deltas)):
            for row in session.scalars(sa.select(self.model).where(
                    sa.tuple_(*self.columns).in_(chunk))):
                delta = deltas.pop(self.key(row))
                provenance = collections.Counter(self.provenance(row))
                provenance.update(delta['provenance'])
                updates.append(dict(
                    {'id': row.id,
                     'quantity': row.quantity + delta['quantity']},
                    **self.stored(provenance)))
        for chunk in rows.chunks(self.new(deltas)):
            session.execute(sa.insert(self.model), chunk)
        if updates:
            session.execute(sa.update(self.model), updates)


WINDOWS = _Level(models.UsageRollup, ('window_start',), new_rows,
                 operator.attrgetter('provenance'),
                 lambda counter: {'provenance': _seconds(counter)})
DAYS = _Level(models.UsageRollupDaily, ('day_start', 'day_end'),
              _new_daily_rows, _daily_provenance, _provenance_columns)


def _values(row):
    return {name: getattr(row, name) for name in FIELDS}


def apply(session, values, replaced):
    """Fold new record rows in, and the revisions they replace out.

    ``values`` are the inserted usage_records rows as dicts; ``replaced``
    the (id, revision) pairs they make non-current. Called in the same
    transaction, which holds the closing lock of the records' meters, so
    no other writer touches these rollup rows meanwhile.
    """
    windows, days = {}, {}
    for value in values:
        # Hashed once for both levels.
        value = dict(value, attributes_key=attributes_key(
            value['attributes']))
        fold(windows, value)
        fold(days, value, daily=True)
    for chunk in rows.chunks(replaced):
        for row in session.scalars(sa.select(models.UsageRecord).where(
                sa.tuple_(models.UsageRecord.id,
                          models.UsageRecord.revision).in_(chunk))):
            fold(windows, _values(row), -1)
            fold(days, _values(row), -1, daily=True)
    WINDOWS.store(session, windows)
    DAYS.store(session, days)


def _seconds(counter):
    return {name: seconds for name, seconds in sorted(counter.items())
            if seconds}


def _columns(model):
    return sa.select(*(getattr(model, name) for name in FIELDS))


def _filtered(query, model, project_id, meters, resource_types):
    if project_id:
        query = query.where(model.project_id == project_id)
    if meters:
        query = query.where(model.meter.in_(meters))
    if resource_types:
        query = query.where(model.resource_type.in_(resource_types))
    return query


def _within(query, model, start, end):
    """Rows whose window lies in [start, end)."""
    if start is not None:
        query = query.where(model.window_start >= to_db(start))
    if end is not None:
        query = query.where(model.window_end <= to_db(end))
    return query


def _add(totals, key, unit, attributes, quantity, provenance):
    entry = totals.get(key)
    if entry is None:
        entry = totals[key] = {
            'unit': unit, 'attributes': attributes,
            'quantity': decimal.Decimal(0),
            'provenance': collections.Counter()}
    entry['quantity'] += quantity
    entry['provenance'].update(provenance)


def _add_rows(totals, found, provenance=operator.attrgetter('provenance')):
    """Add rows (records or rollup rows of any level) to the totals."""
    for row in found:
        key = (row.project_id or '', row.meter, row.resource_type,
               getattr(row, 'attributes_key', None) or attributes_key(
                   row.attributes))
        _add(totals, key, row.unit, row.attributes, row.quantity,
             provenance(row))


def _summed(query):
    """The daily rows of a query summed per key by the database."""
    daily = models.UsageRollupDaily
    keys = (daily.project_id, daily.meter, daily.resource_type,
            daily.attributes_key)
    return query.with_only_columns(
        *keys, sa.func.min(daily.unit), sa.func.min(daily.attributes),
        sa.func.sum(daily.quantity),
        *(sa.func.sum(getattr(daily, column))
          for column in PROVENANCE_COLUMNS.values())).group_by(*keys)


def _add_sums(totals, found):
    for row in found:
        _add(totals, tuple(row[:4]), row[4], row[5], row[6],
             {name: int(seconds) for name, seconds in zip(
                 PROVENANCE_COLUMNS, row[7:])})


def _result(totals):
    # A total of nothing is left out: a correction that moves a record to
    # another attribute set leaves a zero row in the rollup, and none in
    # the records.
    return [{'project_id': key[0] or None, 'meter': key[1],
             'resource_type': key[2], 'unit': entry['unit'],
             'attributes': entry['attributes'],
             'quantity': entry['quantity'],
             'provenance': _seconds(entry['provenance'])}
            for key, entry in sorted(totals.items())
            if entry['quantity'] or any(entry['provenance'].values())]


# What the queries of a report read.
SUMS = 'daily sums'
DAILY = 'daily rows'
WINDOWS_ROWS = 'window rows'


def report_queries(dialect, project_id=None, start=None, end=None,
                   meters=None, resource_types=None):
    """The queries of a report, as (what they read, query) pairs.

    The daily rows of the whole UTC days of [start, end), summed by the
    database on PostgreSQL and MariaDB (NUMERIC is exact there) and read
    as rows on SQLite; then the window rows of the partial days at its
    edges.
    """
    start, end = to_db(start), to_db(end)
    # [first, last): the whole days of the range.
    first = None if start is None else day_ceil(start)
    last = None if end is None else day_floor(end)
    queries = []
    if first is None or last is None or first < last:
        daily = models.UsageRollupDaily
        query = _filtered(sa.select(daily), daily, project_id, meters,
                          resource_types)
        if first is not None:
            query = query.where(daily.day_start >= first)
        if last is not None:
            query = query.where(daily.day_end <= last)
        queries.append((DAILY, query) if dialect == 'sqlite' else
                       (SUMS, _summed(query)))
    window = models.UsageRollup
    edges = []
    if start is not None and start < first:
        # Windows starting in the partial first day.
        edges.append(window.window_start < first)
    if end is not None and last < end and (first is None or
                                           first <= last):
        # The other windows ending in the partial last day.
        edges.append(sa.and_(window.window_end > last,
                             *([] if first is None else
                               [window.window_start >= first])))
    queries += [(WINDOWS_ROWS, _within(_filtered(
        sa.select(window), window, project_id, meters, resource_types),
        window, start, end).where(edge)) for edge in edges]
    return queries


def report(session, project_id=None, start=None, end=None, meters=None,
           resource_types=None):
    """Usage totals per project, meter, resource type and attribute set.

    Counts the current revision of every record whose window lies in
    [start, end).
    """
    totals = {}
    for kind, query in report_queries(
            session.get_bind().dialect.name, project_id, start, end,
            meters, resource_types):
        if kind == SUMS:
            _add_sums(totals, session.execute(query))
        else:
            _add_rows(totals, session.scalars(query), (
                _daily_provenance if kind == DAILY else
                operator.attrgetter('provenance')))
    return _result(totals)


def records_report(session, project_id=None, start=None, end=None,
                   meters=None, resource_types=None):
    """The same report, computed from the current records themselves."""
    record = models.UsageRecord
    totals = {}
    # Streamed: a month of a large project is millions of rows.
    _add_rows(totals, session.execute(_within(_filtered(
        _columns(record).where(record.current.is_(True)), record,
        project_id, meters, resource_types), record, start,
        end).execution_options(yield_per=10000)))
    return _result(totals)


def rebuild(session):
    """Recompute the whole rollup, both levels, from the current records."""
    record = models.UsageRecord
    windows, days = {}, {}
    for row in session.execute(_columns(record).where(
            record.current.is_(True))):
        fold(windows, _values(row))
        fold(days, _values(row), daily=True)
    for level, deltas in ((WINDOWS, windows), (DAYS, days)):
        session.execute(sa.delete(level.model))
        level.store(session, deltas)
