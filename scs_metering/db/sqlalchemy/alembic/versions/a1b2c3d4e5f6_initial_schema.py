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


"""Initial schema.

Revision ID: a1b2c3d4e5f6
Revises:
Create Date: 2026-11-26

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'a1b2c3d4e5f6'
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    op.create_table(
        'heartbeats',
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('binary', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
        sa.Column('info', sqltypes.JSONText(), nullable=True),
        sa.PrimaryKeyConstraint('host', 'binary'),
        **TABLE_OPTS)
    op.create_table(
        'quarantine',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('service', sa.String(length=64), nullable=True),
        sa.Column('event_type', sa.String(length=255), nullable=True),
        sa.Column('publisher_id', sa.String(length=255), nullable=True),
        sa.Column('message_id', sa.String(length=255), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('raw', LONG_TEXT, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_quarantine_received', 'quarantine', ['received_at'])

    op.create_table(
        'reconciliation_runs',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('listed', sa.Integer(), nullable=False),
        sa.Column('matched', sa.Integer(), nullable=False),
        sa.Column('missed_creates', sa.Integer(), nullable=False),
        sa.Column('missed_deletes', sa.Integer(), nullable=False),
        sa.Column('drift', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_reconciliation_type_started', 'reconciliation_runs',
                    ['resource_type', 'started_at'])

    op.create_table(
        'resources',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('resource_id', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('attributes', sqltypes.JSONText(), nullable=True),
        sa.Column('first_event_at', sa.DateTime(), nullable=True),
        sa.Column('last_event_at', sa.DateTime(), nullable=True),
        sa.Column('last_event_key', sa.String(length=48), nullable=True),
        sa.Column('dirty_from', sa.DateTime(), nullable=True),
        sa.Column('dirty_gen', sa.Integer(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=True),
        sa.Column('missing_since', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('resource_type', 'resource_id',
                            name='uniq_resources0type0id'),
        **TABLE_OPTS)
    op.create_index('ix_resources_dirty', 'resources', ['dirty_from'])
    op.create_index('ix_resources_project', 'resources', ['project_id'])

    op.create_table(
        'sinks',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('driver', sa.String(length=64), nullable=False),
        sa.Column('url', sa.Text(), nullable=True),
        sa.Column('format', sa.String(length=64), nullable=False),
        sa.Column('options', sqltypes.JSONText(), nullable=False),
        sa.Column('filters', sqltypes.JSONText(), nullable=False),
        sa.Column('secrets', sa.Text(), nullable=True),
        sa.Column('paused', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', name='uniq_sinks0name'),
        **TABLE_OPTS)
    op.create_table(
        'window_state',
        sa.Column('meter', sa.String(length=255), nullable=False),
        sa.Column('closed_until', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('meter'),
        **TABLE_OPTS)
    op.create_table(
        'events',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('resource_pk', BIG_ID, nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('event_time', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('attributes', sqltypes.JSONText(), nullable=True),
        sa.Column('meter', sa.String(length=255), nullable=True),
        sa.Column('volume', sqltypes.ExactDecimal(precision=40, scale=9),
                  nullable=True),
        sa.Column('provenance', sa.String(length=16), nullable=False),
        sa.Column('time_min', sa.DateTime(), nullable=True),
        sa.Column('time_max', sa.DateTime(), nullable=True),
        sa.Column('event_type', sa.String(length=255), nullable=True),
        sa.Column('message_id', sa.String(length=255), nullable=True),
        sa.Column('publisher_id', sa.String(length=255), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['resource_pk'], ['resources.id'], ),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_events_resource_time', 'events',
                    ['resource_pk', 'event_time'])

    op.create_table(
        'outbox',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('sink_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_by', sa.String(length=255), nullable=True),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', LONG_TEXT, nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['sink_id'], ['sinks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_outbox_due', 'outbox',
                    ['sink_id', 'state', 'next_attempt_at'])

    op.create_table(
        'periods',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('resource_pk', BIG_ID, nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('state', sa.String(length=64), nullable=True),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('attributes', sqltypes.JSONText(), nullable=False),
        sa.Column('provenance', sa.String(length=16), nullable=False),
        sa.Column('start_event_id', sa.String(length=36), nullable=True),
        sa.Column('end_event_id', sa.String(length=36), nullable=True),
        sa.Column('start_min', sa.DateTime(), nullable=True),
        sa.Column('start_max', sa.DateTime(), nullable=True),
        sa.Column('end_min', sa.DateTime(), nullable=True),
        sa.Column('end_max', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['resource_pk'], ['resources.id'], ),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_periods_ended', 'periods', ['ended_at'])
    op.create_index('ix_periods_resource_start', 'periods',
                    ['resource_pk', 'started_at'])
    op.create_index('ix_periods_started', 'periods', ['started_at'])

    op.create_table(
        'sink_status',
        sa.Column('sink_id', sa.String(length=36), nullable=False),
        sa.Column('delivered', sa.BigInteger(), nullable=False),
        sa.Column('failed_attempts', sa.BigInteger(), nullable=False),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_error_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['sink_id'], ['sinks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sink_id'),
        **TABLE_OPTS)
    op.create_table(
        'usage_records',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('meter', sa.String(length=255), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('resource_pk', BIG_ID, nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('resource_id', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('window_end', sa.DateTime(), nullable=False),
        sa.Column('attributes', sqltypes.JSONText(), nullable=False),
        sa.Column('quantity', sqltypes.ExactDecimal(precision=40, scale=9),
                  nullable=False),
        sa.Column('provenance', sqltypes.JSONText(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['resource_pk'], ['resources.id'], ),
        sa.PrimaryKeyConstraint('id', 'revision'),
        **TABLE_OPTS)
    op.create_index('ix_usage_meter_window', 'usage_records',
                    ['meter', 'window_start'])
    op.create_index('ix_usage_project_window', 'usage_records',
                    ['project_id', 'window_start'])
    op.create_index('ix_usage_resource', 'usage_records',
                    ['resource_pk', 'meter', 'window_start'])
