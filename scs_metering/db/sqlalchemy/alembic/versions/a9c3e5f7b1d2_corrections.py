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

"""Corrections without SQL: their audit trail, and their own provenance.

Revision ID: a9c3e5f7b1d2
Revises: a9c4e2f6b8d1
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'a9c3e5f7b1d2'
down_revision = 'a9c4e2f6b8d1'
branch_labels = None
depends_on = None

TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
              'mysql_collate': 'utf8mb4_bin'}


def upgrade():
    op.create_table(
        'corrections',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by', sa.String(length=255), nullable=False),
        sa.Column('requested_project', sa.String(length=255)),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('resource_type', sa.String(length=64)),
        sa.Column('resource_id', sa.String(length=255)),
        sa.Column('event_id', sa.String(length=36)),
        sa.Column('time', sa.DateTime()),
        sa.Column('quarantine_id', sa.BigInteger()),
        sa.Column('message', sa.Text().with_variant(mysql.MEDIUMTEXT(),
                                                    'mysql')),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('applied_at', sa.DateTime()),
        sa.Column('error', sa.Text()),
        sa.Column('event_ids', sqltypes.JSONText()),
        sa.PrimaryKeyConstraint('id'),
        **TABLE_OPTS)
    op.create_index('ix_corrections_status', 'corrections',
                    ['status', 'requested_at'])
    op.create_index('ix_corrections_resource', 'corrections',
                    ['resource_type', 'resource_id'])
    # Seconds of usage that a correction backs, as the other provenances.
    with op.batch_alter_table('usage_rollup_daily') as batch:
        batch.add_column(sa.Column('provenance_correction', sa.BigInteger(),
                                   nullable=False, server_default='0'))
