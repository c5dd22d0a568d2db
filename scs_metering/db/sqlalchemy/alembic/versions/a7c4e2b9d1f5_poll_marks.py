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

"""High-water marks of pollers that read logs (RGW's usage log).

Revision ID: a7c4e2b9d1f5
Revises: f2b8d6a4c0e3
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a7c4e2b9d1f5'
down_revision = 'f2b8d6a4c0e3'
branch_labels = None
depends_on = None

# A binary collation: RGW user ids and bucket names that differ only in
# case are different keys, as on the other databases.
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
              'mysql_collate': 'utf8mb4_bin'}


def upgrade():
    op.create_table(
        'poll_marks',
        sa.Column('poller', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=512), nullable=False),
        sa.Column('marked_until', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('poller', 'key'),
        **TABLE_OPTS)
