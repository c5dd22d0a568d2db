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

"""Quarantine entries are unique per message.

Revision ID: f2b8d6a4c0e3
Revises: d4e9b2f7a1c8
Create Date: 2026-11-26

"""

import hashlib

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f2b8d6a4c0e3'
down_revision = 'd4e9b2f7a1c8'
branch_labels = None
depends_on = None

quarantine = sa.table(
    'quarantine',
    sa.column('id', sa.BigInteger), sa.column('service', sa.String),
    sa.column('raw', sa.Text), sa.column('digest', sa.String))


def _digest(service, raw):
    # As scs_metering.events.Quarantined.digest computes it.
    text = '%s\x1f%s' % (service or '', raw)
    return hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()


def upgrade():
    with op.batch_alter_table('quarantine') as batch:
        batch.add_column(sa.Column('digest', sa.String(64), nullable=True))
    connection = op.get_bind()
    seen = set()
    rows = connection.execute(sa.select(
        quarantine.c.id, quarantine.c.service, quarantine.c.raw).order_by(
        quarantine.c.id)).fetchall()
    for row_id, service, raw in rows:
        digest = _digest(service, raw)
        if digest in seen:
            # A redelivery kept twice before this revision: keep the first.
            connection.execute(quarantine.delete().where(
                quarantine.c.id == row_id))
            continue
        seen.add(digest)
        connection.execute(quarantine.update().where(
            quarantine.c.id == row_id).values(digest=digest))
    with op.batch_alter_table('quarantine') as batch:
        batch.alter_column('digest', existing_type=sa.String(64),
                           nullable=False)
        batch.create_unique_constraint('uniq_quarantine0digest', ['digest'])
