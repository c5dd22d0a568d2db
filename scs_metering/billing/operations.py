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
"""Invoicing steps taken on request: voiding with a replacement, re-rating.

The API calls these with a Biller (billing/biller.py), which does the
same steps periodically; nothing here edits a finalized invoice:

* Voiding marks a finalized invoice voided, with its reason, and files a
  replacement draft for what it billed, rated again from current usage
  and prices, naming the voided one in ``replaces``. Only the last
  numbered invoice of a period may be voided: each invoice of a period
  bills the period-to-date amount less what the earlier ones billed, so
  voiding an earlier one would leave the later one billing against
  nothing. Later drafts of the period, never numbered, are discarded;
  the engine issues them again.
* Re-rating rates a time range's periods again and stores what changed
  as new rated line revisions with the reason. A period already invoiced
  is never reissued: its differences are correction lines on the
  subscription's next invoice, which the next run of the biller computes
  (Biller.rerated).
"""

import uuid

from scs_metering.billing import biller as biller_
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.publisher import filters
from scs_metering.rating import currency
from scs_metering.rating import errors
from scs_metering.rating import invoices
from scs_metering.rating import money

_iso = timeutils.isoformat


def _standing(connection, subscription_id, period):
    return [i for i in connection.period_invoices(subscription_id,
                                                  period.start)
            if i.status != models.VOIDED]


def void(biller, invoice_id, reason, now=None):
    """Void a finalized invoice; (the voided invoice, its replacement).

    db.api's NotFound if there is no such invoice, Conflict if it is not
    finalized or a later invoice of its period stands.
    """
    now = now or timeutils.utcnow()
    connection = biller.connection
    if not isinstance(reason, str) or not reason.strip():
        raise errors.BillingError('voiding an invoice needs a reason')
    document = connection.invoice(invoice_id).document
    sub = biller.subscription(connection.subscription(
        document['subscription_id']))
    period = sub.cycle.period(timeutils.parse(
        document['billing_period_start']))
    created = timeutils.parse(document['created_at'])
    later = [i for i in _standing(connection, sub.id, period)
             if i.document['billing_period_start'] == _iso(period.start) and
             timeutils.parse(i.document['created_at']) > created]
    numbered = [i.id for i in later if i.status != models.DRAFT]
    if numbered:
        raise db_api.Conflict(
            'invoice %s is not the last of its billing period: void the '
            'later invoice %s first' % (invoice_id, numbered[-1]))
    voided = connection.void_invoice(
        invoice_id, lambda doc: invoices.void(doc, reason, now),
        filters.matching_sinks)
    for draft in later:
        # Billed against the voided invoice and never numbered: gone, and
        # issued again after the replacement.
        connection.discard_draft(draft.id)
    return voided, _replacement(biller, sub, period, voided, now)


def _replacement(biller, sub, period, voided, now):
    """A draft billing what ``voided`` billed, rated again."""
    document = voided.document
    connection = biller.connection
    catalog = biller_.Catalog(connection)
    until = timeutils.parse(document['covers_end'])
    closed = biller.closed_until()
    if until == period.end or closed is None or until >= closed:
        rating = biller.rate_period(sub, catalog, period, until, now,
                                    reason='void of invoice %s' % voided.id)
    else:
        # An interim's window: rated up to it for the invoice only, as
        # storing would end the lines rated after it.
        rating = biller.rating(sub, catalog, period, until)
    docs = [i.document for i in _standing(connection, sub.id, period)]
    carried = []
    earlier = sorted({line['billing_period_start']
                      for line in document['lines']
                      if line['billing_period_start'] != _iso(period.start)})
    for start in earlier:
        # The corrections of earlier periods the voided invoice carried.
        other = sub.cycle.period(timeutils.parse(start))
        standing = _standing(connection, sub.id, other)
        original = biller_.periodic(standing, other)
        if original is None:
            continue
        carried += invoices.corrections(
            biller.rate_period(sub, catalog, other, other.end, now),
            invoices.billed_state([i.document for i in standing], other),
            original.id)
    draft = invoices.build(
        str(uuid.uuid4()), sub, rating, invoices.billed_state(docs, period),
        now, since=timeutils.parse(document['covers_start']),
        corrections_=carried, replaces=voided.id)
    slot = (biller_.periodic_slot(period)
            if document['kind'] == invoices.PERIODIC
            else biller_.interim_slot(until))
    invoice, _new = connection.add_invoice(models.Invoice(
        draft, biller.conf.billing.issuer, slot), now)
    return invoice


def rerate(biller, start, end, reason, subscription_id=None,
           project_id=None, now=None):
    """Rate the periods overlapping [start, end) again; what it found.

    One entry per subscription and period: how many rated lines got a
    new revision, and for an invoiced period the invoice it corrects and
    the total of the correction lines due on the next invoice. A domain
    subscription, which is not rated yet, is listed under ``skipped``.
    """
    now = now or timeutils.utcnow()
    if not isinstance(reason, str) or not reason.strip():
        raise errors.BillingError('re-rating needs a reason')
    connection = biller.connection
    closed = biller.closed_until()
    if closed is None:
        raise errors.BillingError('no usage window is closed yet')
    if subscription_id is not None:
        found = [connection.subscription(subscription_id)]
    else:
        found = connection.subscriptions(project_id=project_id)
    catalog = biller_.Catalog(connection)
    rerated, skipped = [], []
    for stored in found:
        sub = biller.subscription(stored)
        try:
            periods = biller.periods(sub, closed)
        except errors.BillingError as exc:
            skipped.append({'subscription_id': sub.id, 'reason': str(exc)})
            continue
        for period in periods:
            if period.end <= start or period.start >= end:
                continue
            rerated.append(_rerate_period(biller, sub, catalog, period,
                                          min(closed, period.end), now,
                                          reason))
    return {'rerated': rerated, 'skipped': skipped}


def _rerate_period(biller, sub, catalog, period, until, now, reason):
    rating = biller.rating(sub, catalog, period, until)
    changed = biller.connection.store_rated(
        sub.id, period.start, biller_.stored_lines(rating, period), now,
        filters.matching_sinks, reason=reason)
    standing = _standing(biller.connection, sub.id, period)
    original = biller_.periodic(standing, period)
    entry = {'subscription_id': sub.id,
             'period_start': _iso(period.start),
             'period_end': _iso(period.end), 'rated_until': _iso(until),
             'changed': len(changed),
             'invoice_id': original.id if original else None,
             'correction_total': None}
    if original is not None:
        due = invoices.corrections(
            rating, invoices.billed_state([i.document for i in standing],
                                          period), original.id)
        with money.exact():
            # A sum of rounded amounts, written in the minor unit.
            entry['correction_total'] = money.text(money.round_amount(sum(
                (money.to_decimal(line['amount']) for line in due),
                money.ZERO), currency.exponent(rating.currency)))
    return entry
