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
"""Rating closed usage and issuing invoices, for the engine's worker.

The rating core (scs_metering.rating) computes; this module feeds it
what storage holds and keeps what it returns:

* Every run rates, for each subscription, its open period and the
  ``[billing] correction_periods`` invoiced periods before it, up to
  the last closed window (windows close only once settled by
  reconciliation). What changed is appended as new rated line
  revisions, so a usage correction becomes a rating correction.
* A period whose end is closed, ``[billing] grace_period`` seconds
  ago, gets its periodic invoice, filed under a slot storage keeps
  unique: two engines make one invoice. Re-rated earlier periods that
  differ from what was billed add correction lines to it.
* Rated line revisions and invoice status changes enter the outbox in
  the transaction that writes them, for the sinks that take them.
* An interim invoice, on request, covers the end of the period's last
  invoice to the last closed window.

One subscription's failure (a plan gone, a bad document) is logged and
leaves the others billed: it is retried at the next run.
"""

import datetime
import uuid

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.publisher import filters
from scs_metering.rating import errors
from scs_metering.rating import invoices
from scs_metering.rating import plans as plans_
from scs_metering.rating import pricelist
from scs_metering.rating import rate

LOG = log.getLogger(__name__)
# Usage windows are at most a day: records starting in a period are read
# up to a day past its end, so that a period boundary between two UTC
# hours (a +05:30 time zone) loses no window.
_LONGEST_WINDOW = datetime.timedelta(days=1)
_iso = timeutils.isoformat
# A namespace for rated line ids: one per subscription and usage record.
_RATED_NS = uuid.UUID('0f1d4c52-3b8e-4e0a-9a55-6d1f3c2b7e90')


def periodic_slot(period):
    return 'periodic:%s' % _iso(period.start)


def interim_slot(until):
    return 'interim:%s' % _iso(until)


class Catalog:
    """Price lists and plans, parsed once per run."""

    def __init__(self, connection):
        self.price_lists = {stored.id: pricelist.from_stored(stored)
                            for stored in connection.price_lists()}
        self.plans = {p.id: plans_.parse_plan(p.document)
                      for p in connection.plans()}


class Biller:
    """Rates and invoices every subscription; see the module's doc."""

    def __init__(self, conf, connection):
        self.conf = conf
        self.connection = connection

    def closed_until(self):
        """The last instant every meter's windows are closed to, or None."""
        progress = [t for t in self.connection.window_progress().values()
                    if t is not None]
        return min(progress) if progress else None

    def subscription(self, stored):
        return plans_.parse_subscription(stored.document,
                                         self.conf.billing.timezone)

    def run(self, now=None):
        """One pass over every subscription; the invoices it issued."""
        now = now or timeutils.utcnow()
        closed = self.closed_until()
        if closed is None:
            return []
        catalog = Catalog(self.connection)
        issued = []
        for stored in self.connection.subscriptions():
            try:
                issued += self.bill(self.subscription(stored), catalog,
                                    closed, now)
            except (errors.BillingError, ValueError, db_api.NotFound) as exc:
                LOG.error('Subscription %s is not billed: %s', stored.id,
                          exc)
        return issued

    def rating(self, sub, catalog, period, until):
        """Rate ``period`` up to ``until``; storing nothing."""
        records = [r for r in self.connection.current_records(
            project_id=sub.scope[1], start=period.start,
            end=period.end + _LONGEST_WINDOW) if r.window_start < period.end]
        return rate.rate(sub, catalog.plans, catalog.price_lists, period,
                         records, until=until,
                         rounding=self.conf.billing.rounding)

    def rate_period(self, sub, catalog, period, until, now, reason=None):
        """Rate ``period`` up to ``until`` and keep what changed."""
        rating = self.rating(sub, catalog, period, until)
        self.connection.store_rated(sub.id, period.start,
                                    stored_lines(rating, period), now,
                                    filters.matching_sinks, reason=reason)
        return rating

    def periods(self, sub, closed):
        if sub.scope[0] != 'project_id':
            # Usage records carry no domain: a domain's projects would
            # have to be listed from Keystone first.
            raise errors.BillingError('domain subscriptions are not rated '
                                      'yet')
        end = closed if sub.end is None else min(closed, sub.end)
        if end <= sub.start:
            return []
        return sub.cycle.periods(sub.start, end)

    def bill(self, sub, catalog, closed, now):
        """Rate a subscription's recent periods; issue what is due."""
        periods = self.periods(sub, closed)
        standing = {}
        for period in periods:
            standing[period] = [i for i in self.connection.period_invoices(
                sub.id, period.start) if i.status != models.VOIDED]
        invoiced = [p for p in periods if periodic(standing[p], p)]
        recent = invoiced[-self.conf.billing.correction_periods:] if (
            self.conf.billing.correction_periods) else []
        recent += self.rerated(sub, invoiced, standing)
        grace = datetime.timedelta(seconds=self.conf.billing.grace_period)
        corrections, issued = [], []
        for period in periods:
            if period in invoiced and period not in recent:
                continue
            rating = self.rate_period(sub, catalog, period,
                                      min(closed, period.end), now)
            docs = [i.document for i in standing[period]]
            billed = invoices.billed_state(docs, period)
            original = periodic(standing[period], period)
            if original is not None:
                corrections += invoices.corrections(rating, billed,
                                                    original.id)
                continue
            if period.end > closed or now < period.end + grace:
                continue
            since = max([timeutils.parse(d['covers_end']) for d in docs
                         if d['billing_period_start'] == _iso(
                             period.start)], default=period.start)
            draft = invoices.build(str(uuid.uuid4()), sub, rating, billed,
                                   now, since=since,
                                   corrections_=corrections)
            invoice, new = self.connection.add_invoice(models.Invoice(
                draft, self.conf.billing.issuer, periodic_slot(period)), now)
            corrections = []
            if self.conf.billing.auto_finalize and (
                    invoice.status == models.DRAFT):
                # Also a draft another engine left when it stopped.
                try:
                    invoice = self.finalize(invoice.id, now)
                except db_api.Conflict:
                    pass  # another engine finalized it meanwhile
            if new:
                issued.append(invoice)
        return issued

    def rerated(self, sub, invoiced, standing):
        """Invoiced periods re-rated since the subscription's last invoice.

        A re-rating on request (billing/operations.py) stores new rated
        revisions of an old period; its corrections are then due on the
        next invoice, which this makes the next run compute.
        """
        last = max((timeutils.parse(i.document['created_at'])
                    for found in standing.values() for i in found),
                   default=None)
        if last is None:
            return []
        changed = self.connection.rated_periods(sub.id, last)
        return [p for p in invoiced if p.start in changed]

    def finalize(self, invoice_id, now=None):
        """Number and finalize a draft; db.api's Conflict if not a draft.

        Of two callers finalizing one draft at once, one numbers it and
        the other gets the Conflict: storage locks the invoice first.
        """
        now = now or timeutils.utcnow()
        number_format = self.conf.billing.number_format
        issuer = self.conf.billing.issuer

        def finalize(document, sequence):
            return invoices.finalize(document, number_format.format(
                issuer=issuer, number=sequence), now)
        return self.connection.finalize_invoice(invoice_id, finalize,
                                                filters.matching_sinks)

    def interim(self, subscription_id, now=None):
        """(A draft interim invoice up to the last closed window, is new).

        It covers the end of the period's last invoice to the last closed
        window; asked twice for the same window, it is the same invoice,
        and not new.
        """
        now = now or timeutils.utcnow()
        closed = self.closed_until()
        sub = self.subscription(self.connection.subscription(
            subscription_id))
        if closed is None or closed <= sub.start:
            raise errors.BillingError('no usage window of subscription %s '
                                      'is closed yet' % subscription_id)
        period = sub.cycle.period(closed - datetime.timedelta(seconds=1))
        until = min(closed, period.end)
        rating = self.rate_period(sub, Catalog(self.connection), period,
                                  until, now)
        standing = [i for i in self.connection.period_invoices(
            sub.id, period.start) if i.status != models.VOIDED]
        for invoice in standing:
            if invoice.slot == interim_slot(until):
                return invoice, False
        docs = [i.document for i in standing]
        since = max([timeutils.parse(d['covers_end']) for d in docs],
                    default=max(period.start, sub.start))
        if since >= until:
            raise errors.BillingError('subscription %s is invoiced up to %s '
                                      'already' % (subscription_id,
                                                   _iso(since)))
        draft = invoices.build(str(uuid.uuid4()), sub, rating,
                               invoices.billed_state(docs, period), now,
                               since=since)
        return self.connection.add_invoice(models.Invoice(
            draft, self.conf.billing.issuer, interim_slot(until)), now)


def periodic(standing, period):
    """The standing periodic invoice of ``period``, or None."""
    for invoice in standing:
        doc = invoice.document
        if doc['kind'] == invoices.PERIODIC and doc[
                'billing_period_start'] == _iso(period.start):
            return invoice
    return None


def rated_id(subscription_id, usage_id):
    """The stable id of a usage record's rated line in a subscription."""
    return str(uuid.uuid5(_RATED_NS, '%s\x1f%s' % (subscription_id,
                                                   usage_id)))


def stored_lines(rating, period):
    """A PeriodRating's rated records as storage keeps them."""
    return [models.RatedLine(
        id=rated_id(r.subscription_id, r.usage_id),
        subscription_id=r.subscription_id, period_start=period.start,
        usage_id=r.usage_id, usage_revision=r.usage_revision or 1,
        line_key=r.key.text, meter=r.meter, resource_id=r.resource_id,
        project_id=r.project_id, window_start=r.window_start,
        window_end=r.window_end, quantity=r.quantity, unit=r.unit,
        pricing_unit=r.pricing_unit, amount=r.amount, currency=r.currency,
        num=r.num, den=r.den) for r in rating.rated]
