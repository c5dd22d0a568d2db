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
"""Rating one subscription's billing period, to date.

``rate`` takes the usage records of a subscription's scope in one
billing period and returns, for every line key, the exact amount
accrued from the period's start up to ``until`` (the period's end for
the closing invoice, the last closed window for an interim one), the
rated share of every record, and every record it could not rate.

The rules, in the order they apply:

* A record belongs to the plan segment holding its window's start, and
  is priced by the price list version in force at that instant.
* Tiers count the quantity of a price id consumed so far in the segment,
  across price list versions: a version published mid-month does not
  reset a customer's position. A plan change starts a new segment, with
  its own positions, free units and minimum charges.
* Records are taken in event-time order (window start, window end, id),
  never in arrival order, so the same usage always rates the same.
* Free units (the price's plus the plan's allowance, in the price's
  unit, per segment, not prorated) come off the start of the segment.
* Recurring fees accrue to the second: amount * seconds / seconds of the
  billing period, the period being as long as its time zone makes it.
* A minimum charge is prorated the same way and tops the price's exact
  usage amount up to it, once the segment is over.

Nothing is rounded here but the records' shares (see lines.RatedUsage);
an invoice rounds each accrual once.
"""

import dataclasses
import functools

from scs_metering.common import timeutils
from scs_metering.rating import currency as currency_
from scs_metering.rating import errors
from scs_metering.rating import lines
from scs_metering.rating import money
from scs_metering.rating import units

PERIOD_UNIT = 'billing period'


@dataclasses.dataclass(frozen=True)
class PeriodRating:
    """The rated state of one subscription's period, up to ``until``."""

    subscription_id: str
    period: object
    until: object
    currency: str
    rounding: str
    accruals: tuple
    rated: tuple
    unrated: tuple
    # Records whose windows end after ``until``: rated by a later call.
    deferred: tuple


class _Slot:
    """One price of one version in one segment, ready to rate records.

    Built once per (segment, price, record unit) so that the hot path
    does no unit parsing, no tier scaling and no free-unit arithmetic.
    Tier positions are per segment and price id, across versions.
    """

    def __init__(self, index, segment, plan, price_list, version, price,
                 conversion):
        self.segment = segment
        self.price = price
        self.num, self.den = conversion.num, conversion.den
        self.amount = price.model.bind(self.den)
        free = (price.free_units or money.ZERO) + (
            plan.free_units(price.id) or money.ZERO)
        self.free = free * self.den
        self.position = (index, price.id)
        self.accruals = {}
        self.key = functools.partial(
            lines.LineKey, lines.USAGE, price.id, plan.id,
            price_list=price_list.id, version=_version_id(version),
            segment=_iso(segment.start))


class _Rater:
    def __init__(self, subscription, plans, price_lists, period, until,
                 rounding):
        self.subscription = subscription
        self.period = period
        self.until = until
        self.rounding = rounding
        self.segments = subscription.segments(period)
        if not self.segments:
            raise errors.RatingError('subscription %s has no plan in force '
                                     'in the period from %s' % (
                                         subscription.id, period.start))
        self.plans, self.lists = {}, {}
        for segment in self.segments:
            plan = plans.get(segment.plan)
            if plan is None:
                raise errors.RatingError('plan %s of subscription %s is not '
                                         'given' % (segment.plan,
                                                    subscription.id))
            price_list = price_lists.get(plan.price_list)
            if price_list is None:
                raise errors.RatingError('price list %s of plan %s is not '
                                         'given' % (plan.price_list, plan.id))
            self.plans[plan.id] = plan
            self.lists[plan.id] = price_list
        currencies = {pl.currency for pl in self.lists.values()}
        if len(currencies) > 1:
            raise errors.RatingError('subscription %s changes currency in '
                                     'period %s: %s' % (
                                         subscription.id, period.start,
                                         ', '.join(sorted(currencies))))
        self.currency = currencies.pop()
        self.exponent = currency_.exponent(self.currency)
        self.accruals = {}
        self.positions = {}
        self.conversions = {}
        self.slots = {}

    def accrual(self, key, **fields):
        """The accrual of a fee or minimum key, made on first use."""
        found = self.accruals.get(key)
        if found is None:
            found = self.accruals[key] = lines.Accrual(key=key, **fields)
        return found

    def segment_of(self, instant):
        for index, segment in enumerate(self.segments):
            if segment.start <= instant < segment.end:
                return index, segment
        return None, None

    def conversion(self, source, target):
        key = (source, target)
        if key not in self.conversions:
            try:
                self.conversions[key] = units.conversion(source, target)
            except ValueError as exc:
                self.conversions[key] = str(exc)
        return self.conversions[key]

    def rate_record(self, record):
        """A RatedUsage for ``record``, or the reason it is unrated."""
        try:
            quantity = money.to_decimal(record.quantity, 'the quantity')
        except ValueError as exc:
            return None, str(exc)
        if quantity < 0:
            return quantity, 'the quantity is negative'
        index, segment = self.segment_of(record.window_start)
        if segment is None:
            return quantity, 'no plan of subscription %s is in force at ' \
                '%s' % (self.subscription.id, record.window_start)
        price_list = self.lists[segment.plan]
        version = price_list.version_at(record.window_start)
        if version is None:
            return quantity, 'price list %s has no version in force at %s' % (
                price_list.id, record.window_start)
        attributes = record.attributes or {}
        price = None
        for candidate in version.usage_prices(record.meter):
            if candidate.match.matches(attributes):
                price = candidate
                break
        if price is None:
            return quantity, 'no price of meter %s in price list %s version ' \
                '%s matches %s' % (record.meter, price_list.id,
                                   _version_id(version),
                                   lines.canonical_json(attributes).decode())
        slot = self.slots.get((index, id(price), record.unit))
        if slot is None:
            conversion = self.conversion(record.unit, price.unit)
            if isinstance(conversion, str):
                return quantity, 'price %s: %s' % (price.id, conversion)
            slot = self.slots[index, id(price), record.unit] = _Slot(
                index, segment, self.plans[segment.plan], price_list,
                version, price, conversion)
        return quantity, self.charge(record, quantity, attributes, slot)

    def charge(self, record, quantity, attributes, slot):
        num, den = slot.num, slot.den
        before = self.positions.get(slot.position, money.ZERO)
        after = before + quantity
        self.positions[slot.position] = after
        before = before * num - slot.free
        after = after * num - slot.free
        group = tuple((name, attributes.get(name))
                      for name in slot.price.group_by)
        accrual = slot.accruals.get(group)
        if accrual is None:
            key = slot.key(group=group)
            accrual = slot.accruals[group] = self.accruals[key] = (
                lines.Accrual(
                    key=key, denominator=den, unit=record.unit,
                    pricing_unit=slot.price.unit, num=num, den=den,
                    start=slot.segment.start, end=slot.segment.end,
                    description=slot.price.description,
                    unit_price=slot.price.model.unit_price()))
        if after > 0:
            accrual.numerator += slot.amount(after) - (
                slot.amount(before) if before > 0 else money.ZERO)
        accrual.quantity += quantity
        rounded = accrual.rounded(self.exponent, self.rounding)
        share = rounded - accrual.last_rounded
        accrual.last_rounded = rounded
        return lines.RatedUsage(
            usage_id=record.id, usage_revision=record.revision,
            subscription_id=self.subscription.id, key=accrual.key,
            meter=record.meter, resource_id=record.resource_id,
            project_id=record.project_id, window_start=record.window_start,
            window_end=record.window_end, quantity=quantity,
            unit=record.unit, pricing_unit=slot.price.unit, amount=share,
            currency=self.currency, num=num, den=den)

    def fees(self):
        """Accrue every recurring fee of every segment up to ``until``."""
        length = self.period.seconds
        for segment in self.segments:
            end = min(segment.end, self.until)
            if end <= segment.start:
                continue
            plan = self.plans[segment.plan]
            price_list = self.lists[segment.plan]
            where = _iso(segment.start)
            items = [(lines.LineKey(lines.FEE, fee.id, plan.id,
                                    segment=where), fee, segment.start, end)
                     for fee in plan.fees]
            for version, low, high in price_list.spans(segment.start, end):
                items += [(lines.LineKey(lines.FEE, price.id, plan.id,
                                         price_list.id, _version_id(version),
                                         segment=where),
                           price, low, high) for price in version.flat_prices]
            for key, item, low, high in items:
                seconds = int((high - low).total_seconds())
                accrual = self.accrual(
                    key, denominator=length, unit='s',
                    pricing_unit=PERIOD_UNIT, num=1, den=length,
                    start=segment.start, end=segment.end,
                    description=item.description, unit_price=item.amount)
                accrual.numerator += item.amount * seconds
                accrual.quantity += seconds

    def minimums(self):
        """Top each finished segment's usage up to its minimum charges.

        The minimum of a price is the one of the last version in force
        in the segment; it is prorated like a fee, and compared with the
        exact (unrounded) usage amount of the price in the segment.
        """
        length = self.period.seconds
        for segment in self.segments:
            if segment.end > self.until:
                continue
            plan = self.plans[segment.plan]
            price_list = self.lists[segment.plan]
            minimums = {}
            for version, _low, _high in price_list.spans(segment.start,
                                                         segment.end):
                for price in version.prices:
                    if price.minimum_charge is not None:
                        minimums[price.id] = (version, price)
            seconds = int((segment.end - segment.start).total_seconds())
            where = _iso(segment.start)
            for price_id, (version, price) in sorted(minimums.items()):
                used = [a for k, a in self.accruals.items()
                        if k.kind == lines.USAGE and k.item == price_id and
                        k.segment == where]
                den = used[0].denominator if used else 1
                usage = sum((a.numerator for a in used), money.ZERO)
                top = (price.minimum_charge * seconds * den -
                       usage * length)
                if top <= 0:
                    continue
                key = lines.LineKey(lines.MINIMUM, price_id, plan.id,
                                    price_list.id, _version_id(version),
                                    segment=where)
                accrual = self.accrual(
                    key, denominator=length * den, unit='s',
                    pricing_unit=PERIOD_UNIT, num=1, den=length,
                    start=segment.start, end=segment.end,
                    description=price.description,
                    unit_price=price.minimum_charge)
                accrual.numerator = top
                accrual.quantity = money.ZERO + seconds


def _version_id(version):
    """A version's number, or its effective_from when storage gave none."""
    if version.number is not None:
        return version.number
    return _iso(version.effective_from)


def _iso(when):
    return timeutils.isoformat(when)


def _order(record):
    return (record.window_start, record.window_end, record.id)


def rate(subscription, plans, price_lists, period, usage, until=None,
         rounding=money.DEFAULT_ROUNDING):
    """The PeriodRating of ``subscription`` in ``period``, up to ``until``.

    ``plans`` maps plan ids to plans.Plan and ``price_lists`` price list
    ids to pricelist.PriceList: all those the subscription's segments
    need. ``usage`` holds the latest revision of each usage record of
    the subscription's scope whose window starts in the period; any
    object with the attributes of the engine's usage records will do.
    Records whose window ends after ``until`` are deferred, not rated.
    A record the prices cannot rate is returned in ``unrated`` with its
    reason and costs nothing until a price covers it; it never stops
    the others.
    """
    money.rounding_mode(rounding)
    until = period.end if until is None else min(until, period.end)
    if until < period.start:
        raise errors.RatingError('until %s is before the period\'s start '
                                 '%s' % (until, period.start))
    rater = _Rater(subscription, plans, price_lists, period, until,
                   rounding)
    rated, unrated, deferred = [], [], []
    with money.exact():
        for record in sorted(usage, key=_order):
            if not period.contains(record.window_start):
                raise errors.RatingError(
                    'usage record %s starts at %s, outside the period '
                    '[%s, %s)' % (record.id, record.window_start,
                                  period.start, period.end))
            if record.window_end > until:
                deferred.append(record.id)
                continue
            quantity, outcome = rater.rate_record(record)
            if isinstance(outcome, str):
                unrated.append(lines.Unrated(record.id, record.revision,
                                             record.meter, quantity,
                                             outcome))
            else:
                rated.append(outcome)
        rater.fees()
        rater.minimums()
    accruals = sorted(rater.accruals.values(), key=lambda a: a.key.text)
    return PeriodRating(subscription.id, period, until, rater.currency,
                        rounding, tuple(accruals), tuple(rated),
                        tuple(unrated), tuple(deferred))
