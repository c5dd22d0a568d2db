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


"""Lifecycle records, dead letters, sink backoff and delivery leases.

Revision ID: c5d1e7a9b302
Revises: a1b2c3d4e5f6
Create Date: 2026-11-26

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'c5d1e7a9b302'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    op.create_table(
        'lifecycle_records',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('voided', sa.Boolean(), nullable=False),
        sa.Column('resource_pk', BIG_ID, nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('resource_id', sa.String(length=255), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('user_id', sa.String(length=255), nullable=True),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('time_min', sa.DateTime(), nullable=True),
        sa.Column('time_max', sa.DateTime(), nullable=True),
        sa.Column('attributes', sqltypes.JSONText(), nullable=False),
        sa.Column('provenance', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['resource_pk'], ['resources.id'], ),
        sa.PrimaryKeyConstraint('id', 'revision'),
        **TABLE_OPTS)
    op.create_index('ix_lifecycle_resource', 'lifecycle_records',
                    ['resource_pk', 'current'])

    op.create_table(
        'delivery_leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('owner', sa.String(length=255), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
        **TABLE_OPTS)

    op.add_column('outbox', sa.Column('answer', LONG_TEXT, nullable=True))
    op.add_column('outbox', sa.Column('dead_at', sa.DateTime(),
                                      nullable=True))
    op.create_index('ix_outbox_claims', 'outbox',
                    ['sink_id', 'claimed_until'])

    op.add_column('sink_status', sa.Column(
        'consecutive_failures', sa.Integer(), nullable=False,
        server_default='0'))
    op.add_column('sink_status', sa.Column('retry_at', sa.DateTime(),
                                           nullable=True))
