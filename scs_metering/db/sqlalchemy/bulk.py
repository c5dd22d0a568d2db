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
"""Bulk writes of many rows in the current transaction.

On PostgreSQL with psycopg2 inserted rows go in one COPY: a window of
100,000 resources writes 100,000 records and as many outbox entries, and
a multi-row INSERT of them costs the database about three times as much
to parse as COPY costs to load. Updates by primary key go as one UPDATE
... FROM (VALUES ...) per CHUNK rows (rows.py), where psycopg2's
executemany is a round trip per row. On SQLite inserted rows go in one
DB-API executemany, without Core's per-row preparation. Elsewhere they
are INSERTs of CHUNK rows and an executemany. Values pass through the
columns' types either way, so what is stored is the same.
"""

import datetime
import io

from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.db.sqlalchemy import rows

# Rows per COPY or SQLite executemany, which bounds what is held at once.
COPY_CHUNK = 10000
# COPY's text format: these characters are escaped, None is \N.
_ESCAPES = str.maketrans({'\\': '\\\\', '\n': '\\n', '\r': '\\r',
                          '\t': '\\t'})
# SQLSTATEs that oslo.db's retry handles, as its own exceptions.
_DEADLOCK = ('40P01', '40001')
_DUPLICATE = '23505'


def insert(session, model, values):
    """Insert row dicts, which all have the same keys.

    None is NULL, as in a plain INSERT: a column's default applies only
    to columns the rows leave out.
    """
    if not values:
        return
    connection = session.connection()
    dialect = connection.dialect
    # A model, or a plain (temporary) table.
    table = getattr(model, '__table__', model)
    if dialect.name == 'sqlite':
        return _executemany(connection, table, values)
    if dialect.name != 'postgresql' or dialect.driver != 'psycopg2':
        # A Core INSERT, not the ORM's: the ORM leaves out the keys whose
        # value is None and so splits rows of varying NULLs into a
        # statement each.
        for chunk in rows.chunks(values):
            session.execute(sa.insert(table), chunk)
        return
    columns = [(name, _formatter(table.c[name], dialect))
               for name in values[0]]
    quote = dialect.identifier_preparer.quote
    statement = 'COPY %s (%s) FROM STDIN' % (
        quote(table.name), ', '.join(quote(name) for name, _f in columns))
    cursor = connection.connection.cursor()
    try:
        for chunk in rows.chunks(values, COPY_CHUNK):
            cursor.copy_expert(statement, io.StringIO(''.join([
                '\t'.join([text(value[name]) for name, text in columns]) +
                '\n' for value in chunk])))
    except dialect.dbapi.Error as exc:
        code = getattr(exc, 'pgcode', None)
        if code in _DEADLOCK:
            raise db_exc.DBDeadlock(exc)
        if code == _DUPLICATE:
            raise db_exc.DBDuplicateEntry(inner_exception=exc)
        raise db_exc.DBError(exc)
    finally:
        cursor.close()


def _executemany(connection, table, values):
    """One DB-API executemany of the rows, processed as Core would.

    Core's executemany prepares each row's parameters through its
    compiled statement, which cost as much as SQLite's insert itself.
    Columns the rows leave out get their scalar default, as from Core.
    """
    dialect = connection.dialect
    names = list(values[0])
    defaults = [(column.name, column.default.arg) for column in table.c
                if column.name not in values[0] and
                column.default is not None and column.default.is_scalar]
    names += [name for name, _value in defaults]
    processors = [(name, table.c[name].type.dialect_impl(
        dialect).bind_processor(dialect)) for name in names]
    quote = dialect.identifier_preparer.quote
    statement = 'INSERT INTO %s (%s) VALUES (%s)' % (
        quote(table.name), ', '.join(quote(name) for name in names),
        ', '.join('?' * len(names)))
    defaults = dict(defaults)
    for chunk in rows.chunks(values, COPY_CHUNK):
        connection.exec_driver_sql(statement, [tuple([
            convert(value[name] if name in value else defaults[name])
            if convert else
            (value[name] if name in value else defaults[name])
            for name, convert in processors]) for value in chunk])


def update(session, model, values):
    """Update rows by primary key ``id`` from row dicts with the same keys.

    On PostgreSQL, one UPDATE ... FROM (VALUES ...) per CHUNK rows: the
    executemany of psycopg2 is a round trip per row. Elsewhere, that
    executemany.
    """
    if not values:
        return
    connection = session.connection()
    if connection.dialect.name != 'postgresql':
        session.execute(sa.update(model), values)
        return
    table = model.__table__
    names = list(values[0])
    for chunk in rows.chunks(values):
        given = sa.values(*(sa.column(name, table.c[name].type)
                            for name in names), name='given').data(
            [tuple(value[name] for name in names) for value in chunk])
        # A column that is NULL in every row would be text: cast back.
        session.execute(sa.update(table).where(
            table.c.id == given.c.id).values({
                name: sa.cast(given.c[name], table.c[name].type)
                for name in names if name != 'id'}))


def _escaped(text):
    # Most values have nothing to escape; translate costs far more than
    # looking.
    if '\\' in text or '\t' in text or '\n' in text or '\r' in text:
        return text.translate(_ESCAPES)
    return text


def _formatter(column, dialect):
    """A column's values as COPY text, after the column type's processing."""
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)

    def text(value):
        if convert is not None:
            value = convert(value)
        if value is None:
            return '\\N'
        if value is True or value is False:
            return 't' if value else 'f'
        if isinstance(value, str):
            return _escaped(value)
        if isinstance(value, datetime.datetime) and value.tzinfo:
            # Columns hold naive UTC; COPY would drop an offset.
            raise ValueError('%s: an aware time: %s' % (column, value))
        return _escaped(str(value))
    return text
