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

"""Billing: price lists, plans, subscriptions, rated lines, invoices.

Revision ID: a9c4e2f6b8d1
Revises: a7c4e2b9d1f5
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from scs_metering.common import sqltypes

# revision identifiers, used by Alembic.
revision = 'a9c4e2f6b8d1'
down_revision = 'a7c4e2b9d1f5'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TABLE_OPTS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
              'mysql_collate': 'utf8mb4_bin'}
ID = sa.String(length=64)
NAME = sa.String(length=255)
EXACT = sqltypes.ExactDecimal(precision=40, scale=9)
LONG_JSON = sqltypes.JSONText().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def upgrade():
    op.create_table(
        'price_lists',
        sa.Column('id', ID, nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('description', sa.Text()),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'), **TABLE_OPTS)
    op.create_table(
        'price_list_versions',
        sa.Column('price_list_id', ID, nullable=False),
        sa.Column('number', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('effective_from', sa.DateTime(), nullable=False),
        sa.Column('description', sa.Text()),
        sa.Column('forced', sa.Boolean(), nullable=False),
        sa.Column('force_reason', sa.Text()),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('price_list_id', 'number'),
        sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id']),
        sa.UniqueConstraint('price_list_id', 'effective_from',
                            name='uniq_price_list_versions0effective'),
        **TABLE_OPTS)
    op.create_table(
        'prices',
        sa.Column('price_list_id', ID, nullable=False),
        sa.Column('version', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('price_id', ID, nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('meter', NAME),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.PrimaryKeyConstraint('price_list_id', 'version', 'price_id'),
        sa.ForeignKeyConstraint(
            ['price_list_id', 'version'],
            ['price_list_versions.price_list_id',
             'price_list_versions.number'], name='fk_prices_version'),
        **TABLE_OPTS)
    op.create_index('ix_prices_meter', 'prices', ['meter'])
    op.create_table(
        'plans',
        sa.Column('id', ID, nullable=False),
        sa.Column('price_list_id', ID, nullable=False),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.ForeignKeyConstraint(['price_list_id'], ['price_lists.id']),
        **TABLE_OPTS)
    op.create_table(
        'subscriptions',
        sa.Column('id', ID, nullable=False),
        sa.Column('project_id', NAME),
        sa.Column('domain_id', NAME),
        sa.Column('anchor_day', sa.String(length=8), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('customer_ref', NAME),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime()),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'), **TABLE_OPTS)
    op.create_index('ix_subscriptions_project', 'subscriptions',
                    ['project_id'])
    op.create_index('ix_subscriptions_domain', 'subscriptions',
                    ['domain_id'])
    op.create_table(
        'rated_lines',
        sa.Column('pk', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('subscription_id', ID, nullable=False),
        sa.Column('period_start', sa.DateTime(), nullable=False),
        sa.Column('usage_id', sa.String(length=36), nullable=False),
        sa.Column('usage_revision', sa.Integer(), nullable=False),
        sa.Column('line_key', sa.Text(), nullable=False),
        sa.Column('meter', NAME, nullable=False),
        sa.Column('resource_id', NAME),
        sa.Column('project_id', NAME),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('window_end', sa.DateTime(), nullable=False),
        sa.Column('quantity', EXACT, nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('pricing_unit', sa.String(length=32)),
        sa.Column('amount', EXACT, nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('num', sa.BigInteger(), nullable=False),
        sa.Column('den', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Text()),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('id', 'revision', name='uniq_rated_lines0rev'),
        **TABLE_OPTS)
    op.create_index('ix_rated_lines_period', 'rated_lines',
                    ['subscription_id', 'period_start', 'current'])
    op.create_index('ix_rated_lines_project', 'rated_lines',
                    ['project_id', 'window_start'])
    op.create_index('ix_rated_lines_usage', 'rated_lines', ['usage_id'])
    op.create_table(
        'invoice_counters',
        sa.Column('issuer', NAME, nullable=False),
        sa.Column('last', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('issuer'), **TABLE_OPTS)
    op.create_table(
        'invoices',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('subscription_id', ID, nullable=False),
        sa.Column('project_id', NAME),
        sa.Column('domain_id', NAME),
        sa.Column('slot', NAME),
        sa.Column('issuer', NAME, nullable=False),
        sa.Column('number', NAME),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('period_start', sa.DateTime(), nullable=False),
        sa.Column('period_end', sa.DateTime(), nullable=False),
        sa.Column('covers_start', sa.DateTime(), nullable=False),
        sa.Column('covers_end', sa.DateTime(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('total', EXACT, nullable=False),
        sa.Column('content_hash', sa.String(length=80)),
        sa.Column('replaces', sa.String(length=36)),
        sa.Column('document', LONG_JSON, nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finalized_at', sa.DateTime()),
        sa.Column('voided_at', sa.DateTime()),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subscription_id', 'slot',
                            name='uniq_invoices0slot'),
        sa.UniqueConstraint('issuer', 'number', name='uniq_invoices0number'),
        **TABLE_OPTS)
    op.create_index('ix_invoices_project', 'invoices',
                    ['project_id', 'period_start'])
    op.create_index('ix_invoices_domain', 'invoices',
                    ['domain_id', 'period_start'])
    op.create_table(
        'invoice_lines',
        sa.Column('invoice_id', sa.String(length=36), nullable=False),
        sa.Column('position', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('item', ID, nullable=False),
        sa.Column('quantity', EXACT, nullable=False),
        sa.Column('amount', EXACT, nullable=False),
        sa.Column('billing_period_start', sa.DateTime(), nullable=False),
        sa.Column('charge_class', sa.String(length=16)),
        sa.Column('correction_of', sa.String(length=36)),
        sa.Column('document', sqltypes.JSONText(), nullable=False),
        sa.PrimaryKeyConstraint('invoice_id', 'position'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id']),
        **TABLE_OPTS)
    op.create_index('ix_invoice_lines_period', 'invoice_lines',
                    ['billing_period_start'])
