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
"""SQLAlchemy models of the canonical usage store."""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

from scs_metering.common import sqltypes

# Primary keys that grow with usage are 64-bit, except on SQLite where only
# INTEGER PRIMARY KEY autoincrements.
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# Raw notifications and sink answers can exceed MySQL's 64 KiB TEXT.
LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
Name = sa.String(255)


class Base(orm.DeclarativeBase):
    pass


class Resource(Base):
    """A tracked resource and a summary of its timeline."""

    __tablename__ = 'resources'
    __table_args__ = (
        sa.UniqueConstraint('resource_type', 'resource_id',
                            name='uniq_resources0type0id'),
        sa.Index('ix_resources_project', 'project_id'),
        sa.Index('ix_resources_dirty', 'dirty_from'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    resource_type = sa.Column(sa.String(64), nullable=False)
    resource_id = sa.Column(Name, nullable=False)
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    active = sa.Column(sa.Boolean, nullable=False, default=False)
    started_at = sa.Column(sa.DateTime)
    ended_at = sa.Column(sa.DateTime)
    attributes = sa.Column(sqltypes.JSONText)
    first_event_at = sa.Column(sa.DateTime)
    last_event_at = sa.Column(sa.DateTime)
    # Event-time order key of the latest applied event: events that sort
    # after it extend the timeline, others make it refold from history.
    last_event_key = sa.Column(sa.String(48))
    # Earliest time from which closed windows must be recomputed.
    dirty_from = sa.Column(sa.DateTime)
    dirty_gen = sa.Column(sa.Integer, nullable=False, default=0)
    # Reconciliation bookkeeping.
    last_seen_at = sa.Column(sa.DateTime)
    missing_since = sa.Column(sa.DateTime)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class Event(Base):
    """A stored usage event; its id makes every write idempotent."""

    __tablename__ = 'events'
    __table_args__ = (
        sa.Index('ix_events_resource_time', 'resource_pk', 'event_time'),
        # A sample meter's window reads its samples by time.
        sa.Index('ix_events_meter_time', 'meter', 'event_time'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    resource_pk = sa.Column(BigId, sa.ForeignKey('resources.id'),
                            nullable=False)
    action = sa.Column(sa.String(16), nullable=False)
    event_time = sa.Column(sa.DateTime, nullable=False)
    started_at = sa.Column(sa.DateTime)
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    attributes = sa.Column(sqltypes.JSONText)
    meter = sa.Column(Name)
    volume = sa.Column(sqltypes.ExactDecimal)
    provenance = sa.Column(sa.String(16), nullable=False)
    time_min = sa.Column(sa.DateTime)
    time_max = sa.Column(sa.DateTime)
    event_type = sa.Column(Name)
    message_id = sa.Column(Name)
    publisher_id = sa.Column(Name)
    received_at = sa.Column(sa.DateTime, nullable=False)


class Period(Base):
    """An interval of constant billable state of one resource."""

    __tablename__ = 'periods'
    __table_args__ = (
        sa.Index('ix_periods_resource_start', 'resource_pk', 'started_at'),
        sa.Index('ix_periods_started', 'started_at'),
        sa.Index('ix_periods_ended', 'ended_at'),
        # The resources listing of one project.
        sa.Index('ix_periods_project', 'project_id', 'started_at'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    resource_pk = sa.Column(BigId, sa.ForeignKey('resources.id'),
                            nullable=False)
    started_at = sa.Column(sa.DateTime, nullable=False)
    ended_at = sa.Column(sa.DateTime)
    state = sa.Column(sa.String(64))
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    attributes = sa.Column(sqltypes.JSONText, nullable=False)
    provenance = sa.Column(sa.String(16), nullable=False)
    start_event_id = sa.Column(sa.String(36))
    end_event_id = sa.Column(sa.String(36))
    # Bounds of the true start and end when they are inferred.
    start_min = sa.Column(sa.DateTime)
    start_max = sa.Column(sa.DateTime)
    end_min = sa.Column(sa.DateTime)
    end_max = sa.Column(sa.DateTime)


class UsageRecord(Base):
    """Usage of one resource in one window; revisions are never edited."""

    __tablename__ = 'usage_records'
    __table_args__ = (
        sa.Index('ix_usage_project_window', 'project_id', 'window_start'),
        sa.Index('ix_usage_meter_window', 'meter', 'window_start'),
        sa.Index('ix_usage_resource', 'resource_pk', 'meter',
                 'window_start'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    revision = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    # Only the latest revision is current; older ones stay for audit.
    current = sa.Column(sa.Boolean, nullable=False)
    meter = sa.Column(Name, nullable=False)
    unit = sa.Column(sa.String(32), nullable=False)
    resource_pk = sa.Column(BigId, sa.ForeignKey('resources.id'),
                            nullable=False)
    resource_type = sa.Column(sa.String(64), nullable=False)
    resource_id = sa.Column(Name, nullable=False)
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    window_start = sa.Column(sa.DateTime, nullable=False)
    window_end = sa.Column(sa.DateTime, nullable=False)
    attributes = sa.Column(sqltypes.JSONText, nullable=False)
    quantity = sa.Column(sqltypes.ExactDecimal, nullable=False)
    provenance = sa.Column(sqltypes.JSONText, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)


class WindowState(Base):
    """How far each meter's windows are closed."""

    __tablename__ = 'window_state'

    meter = sa.Column(Name, primary_key=True)
    closed_until = sa.Column(sa.DateTime, nullable=False)


class StalledMeter(Base):
    """A meter whose windows failed to close, and why.

    The window closer records the failure and goes on with the other
    meters; the row goes once the meter's windows close again.
    """

    __tablename__ = 'stalled_meters'

    meter = sa.Column(Name, primary_key=True)
    reason = sa.Column(sa.Text, nullable=False)
    since = sa.Column(sa.DateTime, nullable=False)
    last_attempt = sa.Column(sa.DateTime, nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False)


class ParkedGroup(Base):
    """A group of a meter's window whose records the database refused.

    The window closed without it; the closer tries it again on each run
    and drops the row once its records are stored.
    """

    __tablename__ = 'parked_groups'
    __table_args__ = (
        sa.UniqueConstraint('meter', 'window_start', 'group_key',
                            name='uniq_parked_groups0meter0window0key'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    meter = sa.Column(Name, nullable=False)
    window_start = sa.Column(sa.DateTime, nullable=False)
    window_end = sa.Column(sa.DateTime, nullable=False)
    # SHA-256 of the owner and the canonical attributes (usage.identity).
    group_key = sa.Column(sa.String(64), nullable=False)
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    attributes = sa.Column(sa.Text, nullable=False)
    reason = sa.Column(sa.Text, nullable=False)
    since = sa.Column(sa.DateTime, nullable=False)
    last_attempt = sa.Column(sa.DateTime, nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False)


class Quarantine(Base):
    """A notification that could not become usage, kept with its reason."""

    __tablename__ = 'quarantine'
    __table_args__ = (
        sa.Index('ix_quarantine_received', 'received_at'),
        sa.UniqueConstraint('digest', name='uniq_quarantine0digest'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    # SHA-256 of service and raw message: a redelivered message is kept
    # once.
    digest = sa.Column(sa.String(64), nullable=False)
    received_at = sa.Column(sa.DateTime, nullable=False)
    service = sa.Column(sa.String(64))
    event_type = sa.Column(Name)
    publisher_id = sa.Column(Name)
    message_id = sa.Column(Name)
    reason = sa.Column(sa.Text, nullable=False)
    raw = sa.Column(LongText, nullable=False)


class Sink(Base):
    """Where usage is pushed."""

    __tablename__ = 'sinks'
    __table_args__ = (
        sa.UniqueConstraint('name', name='uniq_sinks0name'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    name = sa.Column(Name, nullable=False)
    driver = sa.Column(sa.String(64), nullable=False)
    url = sa.Column(sa.Text)
    format = sa.Column(sa.String(64), nullable=False)
    options = sa.Column(sqltypes.JSONText, nullable=False)
    filters = sa.Column(sqltypes.JSONText, nullable=False)
    # Encrypted at rest; never returned by the API.
    secrets = sa.Column(sa.Text)
    paused = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class SinkStatus(Base):
    """Delivery counters of a sink."""

    __tablename__ = 'sink_status'

    sink_id = sa.Column(sa.String(36), sa.ForeignKey('sinks.id',
                                                     ondelete='CASCADE'),
                        primary_key=True)
    delivered = sa.Column(sa.BigInteger, nullable=False, default=0)
    failed_attempts = sa.Column(sa.BigInteger, nullable=False, default=0)
    last_success_at = sa.Column(sa.DateTime)
    last_error_at = sa.Column(sa.DateTime)
    last_error = sa.Column(sa.Text)
    # The sink's own backoff: failures in a row, and when to try again.
    consecutive_failures = sa.Column(sa.Integer, nullable=False, default=0,
                                     server_default='0')
    retry_at = sa.Column(sa.DateTime)


class Outbox(Base):
    """One pending delivery of one record revision to one sink."""

    __tablename__ = 'outbox'
    __table_args__ = (
        sa.Index('ix_outbox_due', 'sink_id', 'state', 'next_attempt_at'),
        sa.Index('ix_outbox_claims', 'sink_id', 'claimed_until'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    sink_id = sa.Column(sa.String(36), sa.ForeignKey('sinks.id',
                                                     ondelete='CASCADE'),
                        nullable=False)
    # usage, lifecycle, rated_usage, invoice.finalized, invoice.voided
    kind = sa.Column(sa.String(32), nullable=False)
    record_id = sa.Column(sa.String(36), nullable=False)
    revision = sa.Column(sa.Integer, nullable=False)
    state = sa.Column(sa.String(16), nullable=False)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False)
    claimed_by = sa.Column(Name)
    claimed_until = sa.Column(sa.DateTime)
    last_error = sa.Column(LongText)
    # What the sink answered when it refused the entry for good.
    answer = sa.Column(LongText)
    created_at = sa.Column(sa.DateTime, nullable=False)
    delivered_at = sa.Column(sa.DateTime)
    dead_at = sa.Column(sa.DateTime)


class LifecycleRecord(Base):
    """A resource started, changed or ended; revisions are never edited.

    A revision with ``voided`` set withdraws a fact that later events
    showed to be wrong, such as a start that moved.
    """

    __tablename__ = 'lifecycle_records'
    __table_args__ = (
        sa.Index('ix_lifecycle_resource', 'resource_pk', 'current'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    revision = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    current = sa.Column(sa.Boolean, nullable=False)
    kind = sa.Column(sa.String(16), nullable=False)
    voided = sa.Column(sa.Boolean, nullable=False)
    resource_pk = sa.Column(BigId, sa.ForeignKey('resources.id'),
                            nullable=False)
    resource_type = sa.Column(sa.String(64), nullable=False)
    resource_id = sa.Column(Name, nullable=False)
    project_id = sa.Column(Name)
    user_id = sa.Column(Name)
    occurred_at = sa.Column(sa.DateTime, nullable=False)
    time_min = sa.Column(sa.DateTime)
    time_max = sa.Column(sa.DateTime)
    attributes = sa.Column(sqltypes.JSONText, nullable=False)
    provenance = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)


class DeliveryLease(Base):
    """A named lease held by one process until it expires.

    On SQLite, which cannot skip locked rows, the ``deliverer`` lease makes
    one engine the only deliverer.
    """

    __tablename__ = 'delivery_leases'

    name = sa.Column(sa.String(64), primary_key=True)
    owner = sa.Column(Name, nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False)


class ReconciliationRun(Base):
    """One reconciliation of one resource type against its API."""

    __tablename__ = 'reconciliation_runs'
    __table_args__ = (
        sa.Index('ix_reconciliation_type_started', 'resource_type',
                 'started_at'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    resource_type = sa.Column(sa.String(64), nullable=False)
    host = sa.Column(Name)
    started_at = sa.Column(sa.DateTime, nullable=False)
    finished_at = sa.Column(sa.DateTime)
    status = sa.Column(sa.String(16), nullable=False)
    listed = sa.Column(sa.Integer, nullable=False, default=0)
    matched = sa.Column(sa.Integer, nullable=False, default=0)
    missed_creates = sa.Column(sa.Integer, nullable=False, default=0)
    missed_deletes = sa.Column(sa.Integer, nullable=False, default=0)
    drift = sa.Column(sa.Integer, nullable=False, default=0)
    errors = sa.Column(sa.Integer, nullable=False, default=0)
    error = sa.Column(sa.Text)


class PollMark(Base):
    """How far a poller has metered one source: its high-water mark.

    A poller that reads a log (RGW's usage log, per user and bucket)
    meters each closed part once and raises the mark past it, so that a
    restart or a second poll starts after what is already metered.
    """

    __tablename__ = 'poll_marks'

    poller = sa.Column(sa.String(64), primary_key=True)
    key = sa.Column(sa.String(512), primary_key=True)
    marked_until = sa.Column(sa.DateTime, nullable=False)


class ServiceHeartbeat(Base):
    """Liveness of the agents and engines."""

    __tablename__ = 'heartbeats'

    host = sa.Column(Name, primary_key=True)
    binary = sa.Column(sa.String(64), primary_key=True)
    started_at = sa.Column(sa.DateTime, nullable=False)
    heartbeat_at = sa.Column(sa.DateTime, nullable=False)
    info = sa.Column(sqltypes.JSONText)


class UsageRollup(Base):
    """Current usage summed over resources, per window; see rollup.py."""

    __tablename__ = 'usage_rollup'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'window_start', 'meter',
                            'resource_type', 'attributes_key',
                            name='uniq_usage_rollup0key'),
        sa.Index('ix_usage_rollup_window', 'window_start'),
        # The windows at the end of a report's range.
        sa.Index('ix_usage_rollup_project_end', 'project_id', 'window_end'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    # '' when the records have no project.
    project_id = sa.Column(Name, nullable=False)
    window_start = sa.Column(sa.DateTime, nullable=False)
    window_end = sa.Column(sa.DateTime, nullable=False)
    meter = sa.Column(Name, nullable=False)
    unit = sa.Column(sa.String(32), nullable=False)
    resource_type = sa.Column(sa.String(64), nullable=False)
    attributes_key = sa.Column(sa.String(64), nullable=False)
    attributes = sa.Column(sqltypes.JSONText, nullable=False)
    quantity = sa.Column(sqltypes.ExactDecimal, nullable=False)
    # Seconds backed by each provenance, summed.
    provenance = sa.Column(sqltypes.JSONText, nullable=False)


class UsageRollupDaily(Base):
    """Current usage summed over resources, per UTC day; see rollup.py.

    A row sums the windows that lie in [day_start, day_end): one day, or
    the days a window longer than a day spans.
    """

    __tablename__ = 'usage_rollup_daily'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'day_start', 'meter',
                            'resource_type', 'attributes_key', 'day_end',
                            name='uniq_usage_rollup_daily0key'),
        sa.Index('ix_usage_rollup_daily_day', 'day_start'),
    )

    id = sa.Column(BigId, primary_key=True, autoincrement=True)
    project_id = sa.Column(Name, nullable=False)
    day_start = sa.Column(sa.DateTime, nullable=False)
    day_end = sa.Column(sa.DateTime, nullable=False)
    meter = sa.Column(Name, nullable=False)
    unit = sa.Column(sa.String(32), nullable=False)
    resource_type = sa.Column(sa.String(64), nullable=False)
    attributes_key = sa.Column(sa.String(64), nullable=False)
    attributes = sa.Column(sqltypes.JSONText, nullable=False)
    quantity = sa.Column(sqltypes.ExactDecimal, nullable=False)
    # Seconds (or samples) backed by each provenance: integers, so that
    # PostgreSQL and MariaDB sum them with the quantity.
    provenance_notification = sa.Column(sa.BigInteger, nullable=False)
    provenance_audit = sa.Column(sa.BigInteger, nullable=False)
    provenance_reconciliation = sa.Column(sa.BigInteger, nullable=False)
    provenance_correction = sa.Column(sa.BigInteger, nullable=False,
                                      server_default='0')


class Correction(Base):
    """An operator's correction, kept for its audit trail."""

    __tablename__ = 'corrections'
    __table_args__ = (
        sa.Index('ix_corrections_status', 'status', 'requested_at'),
        sa.Index('ix_corrections_resource', 'resource_type', 'resource_id'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    kind = sa.Column(sa.String(16), nullable=False)
    reason = sa.Column(sa.Text, nullable=False)
    requested_by = sa.Column(Name, nullable=False)
    requested_project = sa.Column(Name)
    requested_at = sa.Column(sa.DateTime, nullable=False)
    source = sa.Column(sa.String(16), nullable=False)
    resource_type = sa.Column(sa.String(64))
    resource_id = sa.Column(Name)
    event_id = sa.Column(sa.String(36))
    time = sa.Column(sa.DateTime)
    quarantine_id = sa.Column(sa.BigInteger)
    message = sa.Column(LongText)
    status = sa.Column(sa.String(16), nullable=False)
    applied_at = sa.Column(sa.DateTime)
    error = sa.Column(sa.Text)
    event_ids = sa.Column(sqltypes.JSONText)
