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

"""Outbox kinds long enough for billing records ('invoice.finalized').

Revision ID: c2e6a8d0f4b7
Revises: c7e1f3a5b9d2
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c2e6a8d0f4b7'
down_revision = 'c7e1f3a5b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch:
        batch.alter_column('kind', existing_type=sa.String(16),
                           type_=sa.String(32), existing_nullable=False)
