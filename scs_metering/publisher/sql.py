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
"""The ``sql`` sink: rows in a table of another database, such as an ERP's.

``url`` is an SQLAlchemy URL (``postgresql+psycopg2://``,
``mysql+pymysql://``, ``sqlite:///``); a password goes in
``secrets.password``. Each record revision is one row, keyed by
(id, revision) and inserted with the database's "on conflict do nothing",
so a resend changes nothing. The table, ``options.table``, is created on
first use unless ``options.create_table`` is false.
"""

import json

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy import exc as sa_exc

from scs_metering.common import sqltypes
from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.publisher import base
from scs_metering.publisher import confinement as confinement_mod
from scs_metering.publisher import options

DEFAULT_TABLE = 'scs_metering_records'


def table_of(name):
    return sa.Table(
        name, sa.MetaData(),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('revision', sa.Integer, primary_key=True,
                  autoincrement=False),
        sa.Column('replaces', sa.Integer),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('resource_type', sa.String(64), nullable=False),
        sa.Column('resource_id', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('meter', sa.String(255)),
        sa.Column('unit', sa.String(32)),
        sa.Column('quantity', sqltypes.ExactDecimal),
        sa.Column('window_start', sa.DateTime),
        sa.Column('window_end', sa.DateTime),
        sa.Column('occurred_at', sa.DateTime),
        sa.Column('voided', sa.Boolean),
        # The record as the sink's format renders it.
        sa.Column('document', sa.Text, nullable=False),
        sa.Column('received_at', sa.DateTime, nullable=False),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')


def _row(record, document, now):
    usage = models.kind_of(record) == models.USAGE
    return {
        'id': record.id, 'revision': record.revision,
        'replaces': record.replaces, 'kind': models.kind_of(record),
        'resource_type': record.resource_type,
        'resource_id': record.resource_id,
        'project_id': record.project_id, 'user_id': record.user_id,
        'meter': record.meter if usage else None,
        'unit': record.unit if usage else None,
        'quantity': record.quantity if usage else None,
        'window_start': timeutils.to_db(record.window_start)
        if usage else None,
        'window_end': timeutils.to_db(record.window_end) if usage else None,
        'occurred_at': None if usage else timeutils.to_db(record.time),
        'voided': None if usage else record.voided,
        'document': json.dumps(document, sort_keys=True),
        'received_at': now,
    }


def _insert_ignoring_duplicates(table, dialect):
    if dialect == 'postgresql':
        return postgresql.insert(table).on_conflict_do_nothing(
            index_elements=['id', 'revision'])
    if dialect == 'sqlite':
        return sqlite.insert(table).on_conflict_do_nothing(
            index_elements=['id', 'revision'])
    if dialect == 'mysql':
        statement = mysql.insert(table)
        # A no-op update: unlike INSERT IGNORE it hides no other error.
        return statement.on_duplicate_key_update(
            revision=statement.inserted.revision)
    raise base.SinkError('unsupported database %s; use postgresql, mysql '
                         'or sqlite' % dialect, 'url')


def same_database(url, own):
    """Whether an SQLAlchemy URL names the database of another URL.

    The driver, user and password do not matter; the server (a host name
    and its addresses, loopback in all its spellings) and the database
    name do, or the file for SQLite.
    """
    own = sa.engine.make_url(own)
    backend = url.get_backend_name()
    if backend != own.get_backend_name():
        return False
    if backend == 'sqlite':
        mine = confinement_mod.sqlite_file(own.render_as_string())
        return mine is not None and mine == confinement_mod.sqlite_file(
            url.render_as_string())
    default = confinement_mod.DEFAULT_PORTS.get(backend)
    return (url.database == own.database and
            (url.port or default) == (own.port or default) and
            confinement_mod.same_host(url.host, own.host))


class SqlSink(base.Sink):

    # Its table has the columns of usage and lifecycle records only.
    kinds = models.KINDS

    def __init__(self, definition):
        super().__init__(definition)
        reader = options.Reader(definition, 'sql',
                                ('table', 'create_table'), ('password',))
        try:
            url = sa.engine.make_url(definition.get('url') or '')
        except sa_exc.ArgumentError as exc:
            raise base.SinkError('not an SQLAlchemy URL: %s' % exc, 'url')
        password = reader.secret('password')
        if password:
            url = url.set(password=password)
        self.table = table_of(reader.option('table', DEFAULT_TABLE))
        self.create_table = reader.option('create_table', True, bool)
        try:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        except (sa_exc.ArgumentError, ImportError) as exc:
            raise base.SinkError(str(exc), 'url')
        self.insert = _insert_ignoring_duplicates(
            self.table, self.engine.dialect.name)
        self._ready = not self.create_table
        self.url = url

    def confine(self, confinement):
        if not confinement.database:
            return
        try:
            same = same_database(self.url, confinement.database)
        except sa_exc.ArgumentError:
            return
        if same:
            raise base.SinkError(
                'names the service\'s own database; an sql sink writes to '
                'a database of its own', 'url')

    def send(self, batch):
        now = timeutils.to_db(timeutils.utcnow())
        rows = [_row(r, d, now) for r, d in zip(batch.records,
                                                batch.documents)]
        try:
            if not self._ready:
                self.table.create(self.engine, checkfirst=True)
                self._ready = True
            with self.engine.begin() as connection:
                connection.execute(self.insert, rows)
        except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
            raise base.PermanentError('the database refused the rows',
                                      str(exc.orig))
        except sa_exc.SQLAlchemyError as exc:
            # Unreachable, locked, or a table to fix: rows wait meanwhile.
            raise base.TransientError('%s: %s' % (type(exc).__name__, exc))

    def close(self):
        self.engine.dispose()
