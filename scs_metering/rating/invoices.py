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
"""Invoices as values: lines, totals, canonical JSON, hash and status.

Every invoice of a billing period bills each line key's period-to-date
amount, rounded once, less what earlier invoices of the period billed
for that key. Hence:

* an interim invoice followed by the closing one bills exactly what one
  closing invoice would have: the last rounding is of the whole
  period's exact amount, and everything before it is subtracted;
* a usage correction inside an open period lands on the period's next
  invoice as an ordinary line (FOCUS: ChargeClass null);
* after the period is closed, the same subtraction, run on the period's
  re-rated state, gives correction lines for the next invoice, which
  name the invoice they correct (FOCUS: ChargeClass "Correction");
* the total is the sum of the rounded lines, never a rounding of a sum.

Status runs draft -> finalized -> voided, and nowhere else; a voided
invoice is replaced by a new one that names it in ``replaces``. These
functions return new values and never change one; storage persists
them, and a finalized invoice's content hash shows it was not edited.
"""

import dataclasses
import hashlib

from scs_metering.common import timeutils
from scs_metering.rating import currency
from scs_metering.rating import errors
from scs_metering.rating import lines
from scs_metering.rating import money

SCHEMA_VERSION = '1.0'
DRAFT = 'draft'
FINALIZED = 'finalized'
VOIDED = 'voided'
TRANSITIONS = {DRAFT: (FINALIZED,), FINALIZED: (VOIDED,), VOIDED: ()}
PERIODIC = 'periodic'
INTERIM = 'interim'
CORRECTION = 'Correction'
# Fields that change with the status, outside the hashed content.
STATUS_FIELDS = ('status', 'finalized_at', 'voided_at', 'void_reason',
                 'content_hash')

_KIND_ORDER = (lines.USAGE, lines.MINIMUM, lines.FEE)
_iso = timeutils.isoformat


def key_text(line):
    """The LineKey text of a line document."""
    return lines.canonical_json({name: line[name] for name in (
        'kind', 'item', 'plan', 'price_list', 'version', 'group',
        'segment')}).decode('utf-8')


@dataclasses.dataclass(frozen=True)
class Billed:
    """What invoices already billed for one line key of one period."""

    quantity: object
    amount: object
    pricing_quantity: object
    line: dict


def billed_state(invoice_documents, period):
    """key text: Billed, over the non-voided invoices' lines of ``period``.

    Correction lines count for the period they correct, which is the
    period their ``billing_period_start`` names, whatever invoice
    carries them.
    """
    state = {}
    start = _iso(period.start)
    with money.exact():
        for invoice in invoice_documents:
            if invoice['status'] == VOIDED:
                continue
            for line in invoice['lines']:
                if line['billing_period_start'] != start:
                    continue
                key = key_text(line)
                known = state.get(key)
                quantity = money.to_decimal(line['quantity'])
                amount = money.to_decimal(line['amount'])
                shown = money.to_decimal(line['pricing_quantity'])
                if known is not None:
                    quantity += known.quantity
                    amount += known.amount
                    shown += known.pricing_quantity
                state[key] = Billed(quantity, amount, shown, line)
    return state


def _line(key_document, accrual, billed, rating, charge_start, charge_end,
          exponent, correction_of):
    quantity = accrual.quantity if accrual else money.ZERO
    amount = (accrual.rounded(exponent, rating.rounding) if accrual
              else money.ZERO)
    if billed is not None:
        quantity -= billed.quantity
        amount -= billed.amount
    if not quantity and not amount:
        return None
    if accrual is not None:
        described = {
            'description': accrual.description,
            'unit': accrual.unit,
            'pricing_quantity': accrual.pricing_quantity(quantity),
            'pricing_unit': accrual.pricing_unit,
            'unit_price': (None if accrual.unit_price is None
                           else money.text(accrual.unit_price))}
    else:
        # Usage that vanished: the key was billed, nothing accrues now.
        described = {name: billed.line[name] for name in (
            'description', 'unit', 'pricing_unit', 'unit_price')}
        described['pricing_quantity'] = money.text(-billed.pricing_quantity)
    document = dict(key_document)
    document.update(described)
    document.update({
        'quantity': money.text(quantity),
        'amount': money.text(amount),
        'billing_period_start': _iso(rating.period.start),
        'billing_period_end': _iso(rating.period.end),
        'charge_period_start': _iso(charge_start),
        'charge_period_end': _iso(charge_end),
        'charge_class': CORRECTION if correction_of else None,
        'correction_of': correction_of,
    })
    return document


def due_lines(rating, billed, since=None, correction_of=None):
    """Line documents for what ``rating`` accrued beyond ``billed``.

    ``billed`` is billed_state() of the same period. ``since`` is where
    the previous invoice of the period ended (default: the period's
    start); lines' charge periods run from it to ``rating.until``.
    ``correction_of``, the id of the invoice that closed the period,
    makes them correction lines. Keys with nothing new are left out.
    """
    exponent = currency.exponent(rating.currency)
    since = rating.period.start if since is None else since
    accruals = {a.key.text: a for a in rating.accruals}
    found = []
    with money.exact():
        for text in sorted(set(accruals) | set(billed)):
            accrual, before = accruals.get(text), billed.get(text)
            if accrual is not None:
                key_document = accrual.key.document()
                start, end = accrual.start, accrual.end
            else:
                key_document = {name: before.line[name] for name in (
                    'kind', 'item', 'plan', 'price_list', 'version',
                    'group', 'segment')}
                start = timeutils.parse(before.line['charge_period_start'])
                end = timeutils.parse(before.line['charge_period_end'])
            if correction_of is None:
                start, end = max(start, since), min(end, rating.until)
            line = _line(key_document, accrual, before, rating, start,
                         max(start, end), exponent, correction_of)
            if line is not None:
                found.append(line)
    return sorted(found, key=_line_order)


def _line_order(line):
    """Usage first, then minimum top-ups, then fees; by plan and item."""
    return (_KIND_ORDER.index(line['kind']), line['plan'], line['item'],
            str(line['version']), key_text(line))


def corrections(rating, billed, original_invoice_id):
    """Correction lines of a closed period, re-rated after it was billed.

    ``rating`` is the period rated again with the latest usage revisions,
    ``billed`` the billed_state of that period, and the lines name
    ``original_invoice_id``. They go on the subscription's next invoice.
    """
    if rating.until != rating.period.end:
        raise errors.RatingError('a closed period is corrected as a whole: '
                                 'rate it up to its end')
    return due_lines(rating, billed, correction_of=original_invoice_id)


def _unrated_summary(unrated):
    summary = {}
    with money.exact():
        for item in unrated:
            entry = summary.setdefault((item.meter, item.reason),
                                       [0, money.ZERO])
            entry[0] += 1
            entry[1] += item.quantity or money.ZERO
    return [{'meter': meter, 'reason': reason, 'records': count,
             'quantity': money.text(quantity)}
            for (meter, reason), (count, quantity) in sorted(
                summary.items())]


def build(invoice_id, subscription, rating, billed, created_at, since=None,
          corrections_=(), replaces=None):
    """A draft invoice document of ``subscription`` for ``rating``.

    ``billed`` and ``since`` are as for due_lines; ``corrections_`` are
    correction lines of earlier periods to carry; ``replaces`` is the id
    of the voided invoice this one replaces. Unrated usage is listed,
    by meter and reason, so that nobody mistakes it for free usage.
    """
    since = rating.period.start if since is None else since
    body = due_lines(rating, billed, since) + list(corrections_)
    with money.exact():
        # A sum of rounded amounts: in the minor unit already, and so
        # written even when there is no line ("0.00", not "0").
        total = money.round_amount(
            sum((money.to_decimal(line['amount']) for line in body),
                money.ZERO), currency.exponent(rating.currency))
    document = {
        'schema_version': SCHEMA_VERSION,
        'id': invoice_id,
        'kind': PERIODIC if rating.until == rating.period.end else INTERIM,
        'number': None,
        'subscription_id': subscription.id,
        subscription.scope[0]: subscription.scope[1],
        'customer_ref': subscription.customer_ref,
        'currency': rating.currency,
        'rounding': rating.rounding,
        'billing_period_start': _iso(rating.period.start),
        'billing_period_end': _iso(rating.period.end),
        'covers_start': _iso(since),
        'covers_end': _iso(rating.until),
        'lines': body,
        'total': money.text(total),
        'unrated': _unrated_summary(rating.unrated),
        'created_at': _iso(created_at),
        'replaces': replaces,
        'status': DRAFT,
        'finalized_at': None,
        'voided_at': None,
        'void_reason': None,
        'content_hash': None,
    }
    return document


def content_hash(document):
    """sha256 of the canonical JSON of the invoice, status fields aside."""
    content = {k: v for k, v in document.items() if k not in STATUS_FIELDS}
    return 'sha256:' + hashlib.sha256(
        lines.canonical_json(content)).hexdigest()


def _move(document, wanted):
    current = document['status']
    if wanted not in TRANSITIONS.get(current, ()):
        raise errors.IllegalTransition(document['id'], current, wanted)
    return dict(document, status=wanted)


def finalize(document, number, finalized_at):
    """The finalized invoice: numbered, hashed, never to change again.

    ``number`` is the gapless number storage draws for the issuer, at
    this moment and not before, so a discarded draft leaves no gap.
    """
    if not isinstance(number, str) or not number:
        raise errors.BillingError('an invoice number is a non-empty string')
    result = _move(document, FINALIZED)
    result['number'] = number
    result['finalized_at'] = _iso(finalized_at)
    result['content_hash'] = content_hash(result)
    return result


def void(document, reason, voided_at):
    """The voided invoice; its replacement is built with ``replaces``."""
    if not isinstance(reason, str) or not reason.strip():
        raise errors.BillingError('voiding an invoice needs a reason')
    result = _move(document, VOIDED)
    result['voided_at'] = _iso(voided_at)
    result['void_reason'] = reason
    return result


def verify(document):
    """True if a finalized invoice still has the content it was hashed on."""
    return document['content_hash'] == content_hash(document)
