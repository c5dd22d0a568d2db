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

"""Usage rollup for the API's usage report; periods by project.

Revision ID: e7f3a9c1d4b6
Revises: c5d1e7a9b302
Create Date: 2026-11-26

"""

from alembic import op
import sqlalchemy as sa

from scs_metering.common import sqltypes
from scs_metering.db.sqlalchemy import rollup
from scs_metering.db.sqlalchemy import rows

# revision identifiers, used by Alembic.
revision = 'e7f3a9c1d4b6'
down_revision = 'c5d1e7a9b302'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade():
    table = op.create_table(
        'usage_rollup',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('window_end', sa.DateTime(), nullable=False),
        sa.Column('meter', sa.String(length=255), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('attributes_key', sa.String(length=64), nullable=False),
        sa.Column('attributes', sqltypes.JSONText(), nullable=False),
        sa.Column('quantity', sqltypes.ExactDecimal(precision=40, scale=9),
                  nullable=False),
        sa.Column('provenance', sqltypes.JSONText(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'window_start', 'meter',
                            'resource_type', 'attributes_key',
                            name='uniq_usage_rollup0key'),
        **TABLE_OPTS)
    op.create_index('ix_usage_rollup_window', 'usage_rollup',
                    ['window_start'])
    op.create_index('ix_periods_project', 'periods',
                    ['project_id', 'started_at'])
    _backfill(table)


def _backfill(table):
    # The records as this revision knows them, not as models.py may
    # describe them later.
    records = sa.table(
        'usage_records', sa.column('current', sa.Boolean()),
        *(sa.column(name, _TYPES.get(name)) for name in rollup.FIELDS))
    deltas = {}
    bind = op.get_bind()
    for row in bind.execute(sa.select(*(
            records.c[name] for name in rollup.FIELDS)).where(
            records.c.current.is_(True))):
        rollup.fold(deltas, dict(row._mapping))
    for chunk in rows.chunks(rollup.new_rows(deltas)):
        bind.execute(table.insert(), chunk)


_TYPES = {
    'window_start': sa.DateTime(), 'window_end': sa.DateTime(),
    'attributes': sqltypes.JSONText(), 'provenance': sqltypes.JSONText(),
    'quantity': sqltypes.ExactDecimal(precision=40, scale=9),
}
