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
"""SQLAlchemy implementation of the storage interface."""

import contextlib
import threading

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db.sqlalchemy import billing
from scs_metering.db.sqlalchemy import corrections
from scs_metering.db.sqlalchemy import delivery
from scs_metering.db.sqlalchemy import invoicing
from scs_metering.db.sqlalchemy import marks
from scs_metering.db.sqlalchemy import migration
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import parked
from scs_metering.db.sqlalchemy import reconciliation
from scs_metering.db.sqlalchemy import reports
from scs_metering.db.sqlalchemy import retention
from scs_metering.db.sqlalchemy import rows
from scs_metering.db.sqlalchemy import stalls
from scs_metering.db.sqlalchemy import stats
from scs_metering.db.sqlalchemy import throttling
from scs_metering.db.sqlalchemy import transactions

LOG = log.getLogger(__name__)

# Failures worth waiting out: the batch is tried again as a whole.
_TRANSIENT = (db_exc.DBConnectionError, db_exc.DBDeadlock,
              db_exc.RetryRequest)


@enginefacade.transaction_context_provider
class _Context:
    pass


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the engine writes; the busy timeout makes
    # a second writer wait instead of failing.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def _mysql_read_committed(dbapi_connection, _record):
    # Ingest locks a resource, then reads its events: it must see what the
    # previous lock holder committed, which REPEATABLE READ would hide.
    cursor = dbapi_connection.cursor()
    cursor.execute('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')
    cursor.close()


class Connection(delivery.DeliveryMixin, reports.ReportsMixin,
                 retention.RetentionMixin, reconciliation.ReconciliationMixin,
                 marks.MarksMixin, billing.BillingMixin,
                 invoicing.InvoicingMixin, corrections.CorrectionsMixin,
                 stalls.StallsMixin, parked.ParkedMixin,
                 throttling.ThrottlingMixin,
                 api.Connection):

    def __init__(self, conf, url=None):
        options = dict(conf.database.items())
        if url:
            options['connection'] = url
        self._facade = enginefacade.transaction_context()
        self._facade.configure(**{k: v for k, v in options.items()
                                  if k in _FACADE_OPTIONS})
        self._engine = self._facade.writer.get_engine()
        self.dialect = self._engine.dialect.name
        if self.dialect == 'sqlite':
            sa.event.listen(self._engine, 'connect', _sqlite_pragmas)
        elif self.dialect == 'mysql':
            sa.event.listen(self._engine, 'connect', _mysql_read_committed)
        # oslo.db opened and pooled a connection to test the URL before
        # these listeners existed; drop it, so that every connection in use
        # has them (on MariaDB it would otherwise stay REPEATABLE READ).
        self._engine.dispose()
        # SQLite has one writer at a time; serialising this process's
        # writers avoids lock upgrades that fail without waiting.
        self._sqlite_write_lock = (threading.Lock()
                                   if self.dialect == 'sqlite' else None)

    def dispose(self):
        self._engine.dispose()

    @staticmethod
    def stats_reader(url):
        return stats.reader(url)

    @staticmethod
    def transient(exc):
        """See db.api: what oslo.db classifies, and connection errors.

        Any error raised while connecting (no statement ran) counts:
        oslo.db only recognises libpq's older wording, so a stopped
        PostgreSQL, or a database refusing connections, comes as a plain
        OperationalError with libpq 14 and later.
        """
        if isinstance(exc, _TRANSIENT):
            return True
        # oslo.db wraps some errors, keeping SQLAlchemy's as
        # inner_exception.
        exc = getattr(exc, 'inner_exception', None) or exc
        return isinstance(exc, sa.exc.DBAPIError) and exc.statement is None

    @property
    def needs_delivery_leader(self):
        # SQLite cannot skip locked rows.
        return self.dialect == 'sqlite'

    # Schema

    def upgrade(self, revision='head'):
        migration.upgrade(self._engine, revision)

    def version(self):
        return migration.version(self._engine)

    def head(self):
        return migration.head()

    def check_schema(self):
        migration.check(self._engine)

    # Transactions

    @contextlib.contextmanager
    def _writer(self):
        lock = self._sqlite_write_lock or contextlib.nullcontext()
        with lock, self._facade.writer.using(_Context()) as session:
            yield session

    @contextlib.contextmanager
    def _reader(self):
        with self._facade.reader.using(_Context()) as session:
            yield session

    def ingest_transaction(self):
        return _tx(self, transactions.IngestTransaction)

    def window_transaction(self, meters):
        return _tx(self, transactions.WindowTransaction, meters)

    # Reads

    def quarantined(self, limit=100, marker=None, ids=None, service=None,
                    reason=None, since=None, until=None):
        q = models.Quarantine
        query = sa.select(q).order_by(q.id).limit(limit)
        if marker is not None:
            query = query.where(q.id > marker)
        if ids is not None:
            query = query.where(q.id.in_(ids))
        if service == 'unknown':
            # As quarantine_summary counts the entries without a service.
            query = query.where(sa.or_(q.service.is_(None),
                                       q.service == service))
        elif service is not None:
            query = query.where(q.service == service)
        if reason is not None:
            query = query.where(sa.func.lower(q.reason).contains(
                reason.lower(), autoescape=True))
        if since is not None:
            query = query.where(q.received_at >= rows.to_db(since))
        if until is not None:
            query = query.where(q.received_at < rows.to_db(until))
        with self._reader() as session:
            return [rows.quarantined(r) for r in session.scalars(query)]

    def count(self, model_name):
        model = getattr(models, model_name)
        with self._reader() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(
                model))

    def periods(self, resource_type, resource_id):
        with self._reader() as session:
            resource = session.scalars(sa.select(models.Resource).where(
                models.Resource.resource_type == resource_type,
                models.Resource.resource_id == resource_id)).first()
            if resource is None:
                return []
            return [rows.period(p) for p in session.scalars(
                sa.select(models.Period).where(
                    models.Period.resource_pk == resource.id).order_by(
                    models.Period.started_at))]

    def current_records(self, meter=None, project_id=None, start=None,
                        end=None):
        """Latest revision of every record matching the filters."""
        with self._reader() as session:
            query = sa.select(models.UsageRecord).where(
                models.UsageRecord.current.is_(True))
            if meter:
                query = query.where(models.UsageRecord.meter == meter)
            if project_id:
                query = query.where(
                    models.UsageRecord.project_id == project_id)
            if start:
                query = query.where(models.UsageRecord.window_start >=
                                    timeutils.to_db(start))
            if end:
                query = query.where(models.UsageRecord.window_end <=
                                    timeutils.to_db(end))
            query = query.order_by(models.UsageRecord.window_start,
                                   models.UsageRecord.id)
            return [rows.usage_record(r) for r in session.scalars(query)]

    def record_revisions(self, keys):
        """The usage records of (id, revision) pairs, keyed by them."""
        found = {}
        with self._reader() as session:
            for chunk in rows.chunks(sorted(keys)):
                query = sa.select(models.UsageRecord).where(
                    sa.tuple_(models.UsageRecord.id,
                              models.UsageRecord.revision).in_(chunk))
                for row in session.scalars(query):
                    found[(row.id, row.revision)] = rows.usage_record(row)
        return found


@contextlib.contextmanager
def _tx(connection, cls, *args):
    with connection._writer() as session:
        yield cls(connection, session, *args)


# [database] options the engine facade understands.
_FACADE_OPTIONS = frozenset((
    'connection', 'slave_connection', 'sqlite_fk', 'mysql_sql_mode',
    'mysql_wsrep_sync_wait', 'mysql_enable_ndb', 'connection_recycle_time',
    'connection_debug', 'max_pool_size', 'max_overflow', 'pool_timeout',
    'sqlite_synchronous', 'connection_trace', 'max_retries',
    'retry_interval', 'connection_parameters', 'db_max_retries',
    'db_retry_interval', 'db_inc_retry_interval',
    'db_max_retry_interval'))
