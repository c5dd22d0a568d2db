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

"""Throttling: rule versions, decisions, enforcement records, runs.

Revision ID: c7e1f3a5b9d2
Revises: b8e2d4f6a0c1
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'c7e1f3a5b9d2'
down_revision = 'b8e2d4f6a0c1'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
              'mysql_collate': 'utf8mb4_bin'}


def upgrade():
    op.create_table(
        'throttling_rules',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('latest_version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_table(
        'throttling_rule_versions',
        sa.Column('rule_id', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=255)),
        sa.ForeignKeyConstraint(['rule_id'], ['throttling_rules.id']),
        sa.PrimaryKeyConstraint('rule_id', 'version'),
        **TABLE_OPTS)
    op.create_table(
        'throttling_decisions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('dedup_key', sa.String(length=400), nullable=False),
        sa.Column('active_key', sa.String(length=330)),
        sa.Column('rule_id', sa.String(length=64), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('opened_version', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime()),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedup_key',
                            name='uniq_throttling_decisions0dedup'),
        sa.UniqueConstraint('active_key',
                            name='uniq_throttling_decisions0active'),
        **TABLE_OPTS)
    op.create_index('ix_throttling_decisions_project',
                    'throttling_decisions', ['project_id', 'opened_at'])
    op.create_index('ix_throttling_decisions_state',
                    'throttling_decisions', ['state'])
    op.create_table(
        'throttling_enforcements',
        sa.Column('enforcer', sa.String(length=64), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('target', sa.String(length=255), nullable=False),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('enforcer', 'project_id', 'target'),
        **TABLE_OPTS)
    op.create_table(
        'throttling_runs',
        sa.Column('evaluator', sa.String(length=255), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.Column('as_of', sa.DateTime()),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.Text()),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.Column('report', sqltypes.JSONText(), nullable=False),
        sa.Column('last_success_at', sa.DateTime()),
        sa.PrimaryKeyConstraint('evaluator'),
        **TABLE_OPTS)
