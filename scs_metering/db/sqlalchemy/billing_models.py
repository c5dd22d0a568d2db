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
"""SQLAlchemy models of billing: prices, plans, rated lines, invoices.

Apart from models.py so that neither grows past a screenful of tables;
they share its declarative base, so migrations and the models-migrations
sync test see one schema. Documents are kept as the canonical JSON the
rating core takes; the columns beside them are what queries filter and
sum on, and what the database keeps unique.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from scs_metering.common import sqltypes
from scs_metering.db.sqlalchemy import models

Base = models.Base
BigId = models.BigId
Name = models.Name
Id = sa.String(64)


class LongJSON(sqltypes.JSONText):
    """JSON past MySQL's 64 KiB TEXT: an invoice's unrated summary."""

    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'mysql':
            return dialect.type_descriptor(mysql.MEDIUMTEXT())
        return dialect.type_descriptor(sa.Text())


class PriceList(Base):
    """A price list: its currency never changes, its prices do by version."""

    __tablename__ = 'price_lists'

    id = sa.Column(Id, primary_key=True)
    currency = sa.Column(sa.String(3), nullable=False)
    description = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False)


class PriceListVersion(Base):
    """An immutable version of a price list, in force from effective_from.

    ``forced`` and ``force_reason`` record a back-dated publication: who
    reads an old invoice can see why its prices changed after the fact.
    """

    __tablename__ = 'price_list_versions'
    __table_args__ = (
        sa.UniqueConstraint('price_list_id', 'effective_from',
                            name='uniq_price_list_versions0effective'),
    )

    price_list_id = sa.Column(Id, sa.ForeignKey('price_lists.id'),
                              primary_key=True)
    number = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    effective_from = sa.Column(sa.DateTime, nullable=False)
    description = sa.Column(sa.Text)
    forced = sa.Column(sa.Boolean, nullable=False, default=False)
    force_reason = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False)


class Price(Base):
    """One price of one version, as published; never changed."""

    __tablename__ = 'prices'
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ['price_list_id', 'version'],
            ['price_list_versions.price_list_id',
             'price_list_versions.number'],
            name='fk_prices_version'),
        sa.Index('ix_prices_meter', 'meter'),
    )

    price_list_id = sa.Column(Id, primary_key=True)
    version = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    price_id = sa.Column(Id, primary_key=True)
    position = sa.Column(sa.Integer, nullable=False)
    # None for a flat recurring fee.
    meter = sa.Column(Name)
    document = sa.Column(sqltypes.JSONText, nullable=False)


class Plan(Base):
    """A plan is immutable once created: a change is a new plan."""

    __tablename__ = 'plans'

    id = sa.Column(Id, primary_key=True)
    price_list_id = sa.Column(Id, sa.ForeignKey('price_lists.id'),
                              nullable=False)
    document = sa.Column(sqltypes.JSONText, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)


class Subscription(Base):
    """A project or a domain bound to plans over time."""

    __tablename__ = 'subscriptions'
    __table_args__ = (
        sa.Index('ix_subscriptions_project', 'project_id'),
        sa.Index('ix_subscriptions_domain', 'domain_id'),
    )

    id = sa.Column(Id, primary_key=True)
    project_id = sa.Column(Name)
    domain_id = sa.Column(Name)
    anchor_day = sa.Column(sa.String(8), nullable=False)
    timezone = sa.Column(sa.String(64), nullable=False)
    customer_ref = sa.Column(Name)
    started_at = sa.Column(sa.DateTime, nullable=False)
    ended_at = sa.Column(sa.DateTime)
    document = sa.Column(sqltypes.JSONText, nullable=False)
    # Each change to the document counts one.
    revision = sa.Column(sa.Integer, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class RatedLine(Base):
    """What one usage record costs in its subscription's period.

    Append-only: a re-rating that changes anything adds revision n + 1
    and clears ``current`` on revision n, as usage records do.
    """

    __tablename__ = 'rated_lines'
    __table_args__ = (
        sa.UniqueConstraint('id', 'revision', name='uniq_rated_lines0rev'),
        sa.Index('ix_rated_lines_period', 'subscription_id', 'period_start',
                 'current'),
        sa.Index('ix_rated_lines_project', 'project_id', 'window_start'),
        sa.Index('ix_rated_lines_usage', 'usage_id'),
    )

    pk = sa.Column(BigId, primary_key=True, autoincrement=True)
    id = sa.Column(sa.String(36), nullable=False)
    revision = sa.Column(sa.Integer, nullable=False)
    current = sa.Column(sa.Boolean, nullable=False)
    subscription_id = sa.Column(Id, nullable=False)
    period_start = sa.Column(sa.DateTime, nullable=False)
    usage_id = sa.Column(sa.String(36), nullable=False)
    usage_revision = sa.Column(sa.Integer, nullable=False)
    line_key = sa.Column(sa.Text, nullable=False)
    meter = sa.Column(Name, nullable=False)
    resource_id = sa.Column(Name)
    project_id = sa.Column(Name)
    window_start = sa.Column(sa.DateTime, nullable=False)
    window_end = sa.Column(sa.DateTime, nullable=False)
    quantity = sa.Column(sqltypes.ExactDecimal, nullable=False)
    unit = sa.Column(sa.String(32), nullable=False)
    pricing_unit = sa.Column(sa.String(32))
    amount = sa.Column(sqltypes.ExactDecimal, nullable=False)
    currency = sa.Column(sa.String(3), nullable=False)
    num = sa.Column(sa.BigInteger, nullable=False)
    den = sa.Column(sa.BigInteger, nullable=False)
    # Why this revision exists, for revisions after the first.
    reason = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False)


class InvoiceCounter(Base):
    """The last invoice number drawn per issuer; locked while drawing."""

    __tablename__ = 'invoice_counters'

    issuer = sa.Column(Name, primary_key=True)
    last = sa.Column(sa.BigInteger, nullable=False)


class Invoice(Base):
    """An invoice; after finalization only its status fields change.

    ``slot`` names what the invoice is for (the periodic invoice of a
    period, an interim one up to an instant): unique while the invoice
    stands, so two engines generating the same period make one invoice.
    Voiding clears it, for the replacement.
    """

    __tablename__ = 'invoices'
    __table_args__ = (
        sa.UniqueConstraint('subscription_id', 'slot',
                            name='uniq_invoices0slot'),
        sa.UniqueConstraint('issuer', 'number', name='uniq_invoices0number'),
        sa.Index('ix_invoices_project', 'project_id', 'period_start'),
        sa.Index('ix_invoices_domain', 'domain_id', 'period_start'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    subscription_id = sa.Column(Id, nullable=False)
    project_id = sa.Column(Name)
    domain_id = sa.Column(Name)
    slot = sa.Column(Name)
    issuer = sa.Column(Name, nullable=False)
    number = sa.Column(Name)
    kind = sa.Column(sa.String(16), nullable=False)
    status = sa.Column(sa.String(16), nullable=False)
    period_start = sa.Column(sa.DateTime, nullable=False)
    period_end = sa.Column(sa.DateTime, nullable=False)
    covers_start = sa.Column(sa.DateTime, nullable=False)
    covers_end = sa.Column(sa.DateTime, nullable=False)
    currency = sa.Column(sa.String(3), nullable=False)
    total = sa.Column(sqltypes.ExactDecimal, nullable=False)
    content_hash = sa.Column(sa.String(80))
    replaces = sa.Column(sa.String(36))
    # The invoice document without its lines (those are invoice_lines).
    document = sa.Column(LongJSON, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    finalized_at = sa.Column(sa.DateTime)
    voided_at = sa.Column(sa.DateTime)


class InvoiceLine(Base):
    """A line of an invoice, written with it and never changed."""

    __tablename__ = 'invoice_lines'
    __table_args__ = (
        sa.Index('ix_invoice_lines_period', 'billing_period_start'),
    )

    invoice_id = sa.Column(sa.String(36), sa.ForeignKey('invoices.id'),
                           primary_key=True)
    position = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    kind = sa.Column(sa.String(16), nullable=False)
    item = sa.Column(Id, nullable=False)
    quantity = sa.Column(sqltypes.ExactDecimal, nullable=False)
    amount = sa.Column(sqltypes.ExactDecimal, nullable=False)
    billing_period_start = sa.Column(sa.DateTime, nullable=False)
    charge_class = sa.Column(sa.String(16))
    correction_of = sa.Column(sa.String(36))
    document = sa.Column(sqltypes.JSONText, nullable=False)
