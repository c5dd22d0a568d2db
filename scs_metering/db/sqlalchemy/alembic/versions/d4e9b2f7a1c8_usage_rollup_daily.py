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

"""Daily usage rollup; window rollup indexed by window end.

Revision ID: d4e9b2f7a1c8
Revises: b3d7f1a9c5e2
Create Date: 2026-11-26

"""

import collections
import datetime
import decimal

from alembic import op
import sqlalchemy as sa

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'd4e9b2f7a1c8'
down_revision = 'b3d7f1a9c5e2'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# A binary collation: keys that differ only in case or trailing spaces
# are different keys, as on the other databases.
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
              'mysql_collate': 'utf8mb4_bin'}
PROVENANCES = ('notification', 'audit', 'reconciliation')
DAY = datetime.timedelta(days=1)
CHUNK = 500


def upgrade():
    table = op.create_table(
        'usage_rollup_daily',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('day_start', sa.DateTime(), nullable=False),
        sa.Column('day_end', sa.DateTime(), nullable=False),
        sa.Column('meter', sa.String(length=255), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('attributes_key', sa.String(length=64), nullable=False),
        sa.Column('attributes', sqltypes.JSONText(), nullable=False),
        sa.Column('quantity', sqltypes.ExactDecimal(precision=40, scale=9),
                  nullable=False),
        *(sa.Column('provenance_%s' % name, sa.BigInteger(),
                    nullable=False) for name in PROVENANCES),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'day_start', 'meter',
                            'resource_type', 'attributes_key', 'day_end',
                            name='uniq_usage_rollup_daily0key'),
        **TABLE_OPTS)
    op.create_index('ix_usage_rollup_daily_day', 'usage_rollup_daily',
                    ['day_start'])
    op.create_index('ix_usage_rollup_project_end', 'usage_rollup',
                    ['project_id', 'window_end'])
    _backfill(table)


def _day_ceil(when):
    floor = when.replace(hour=0, minute=0, second=0, microsecond=0)
    return floor if floor == when else floor + DAY


def _backfill(table):
    # The daily sums of the window rollup as this revision knows it.
    windows = sa.table(
        'usage_rollup', *(sa.column(name) for name in (
            'project_id', 'meter', 'unit', 'resource_type',
            'attributes_key')),
        sa.column('window_start', sa.DateTime()),
        sa.column('window_end', sa.DateTime()),
        sa.column('attributes', sqltypes.JSONText()),
        sa.column('quantity', sqltypes.ExactDecimal(precision=40, scale=9)),
        sa.column('provenance', sqltypes.JSONText()))
    days = {}
    bind = op.get_bind()
    for row in bind.execute(sa.select(windows)):
        start = row.window_start.replace(hour=0, minute=0, second=0,
                                         microsecond=0)
        key = (row.project_id, start, row.meter, row.resource_type,
               row.attributes_key, _day_ceil(row.window_end))
        entry = days.setdefault(key, {
            'unit': row.unit, 'attributes': row.attributes,
            'quantity': decimal.Decimal(0),
            'provenance': collections.Counter()})
        entry['quantity'] += row.quantity
        entry['provenance'].update(row.provenance)
    values = [dict({'project_id': key[0], 'day_start': key[1],
                    'meter': key[2], 'resource_type': key[3],
                    'attributes_key': key[4], 'day_end': key[5],
                    'unit': entry['unit'], 'attributes': entry['attributes'],
                    'quantity': entry['quantity']},
                   **{'provenance_%s' % name: entry['provenance'][name]
                      for name in PROVENANCES})
              for key, entry in sorted(days.items())]
    for start in range(0, len(values), CHUNK):
        bind.execute(table.insert(), values[start:start + CHUNK])
