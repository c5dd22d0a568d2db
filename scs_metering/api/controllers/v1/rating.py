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
"""/v1/quote and /v1/rated-usage: what usage costs, or would cost.

A quote rates a hypothetical usage on a plan, in one billing period,
exactly as the engine rates real usage, and writes nothing. Rated usage
is what the engine stored: the current rated lines of a project, summed
by meter, unit and currency and by the keys asked for.
"""

import json

import pecan

from scs_metering.api import billing
from scs_metering.api.controllers.v1 import usage
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.rating import currency
from scs_metering.rating import errors
from scs_metering.rating import invoices
from scs_metering.rating import lines
from scs_metering.rating import money
from scs_metering.rating import periods
from scs_metering.rating import plans as plans_
from scs_metering.rating import rate
from scs_metering.rating import units

QUOTE_ID = 'quote'
# What rated usage can be summed by, besides meter, units and currency.
GROUP_KEYS = ('subscription_id', 'project_id', 'price', 'line',
              'resource_id', 'period')
# Invoice fields a quote has no use for: it is not issued to anybody.
_NOT_QUOTED = ('id', 'number', 'subscription_id', 'project_id',
               'customer_ref', 'created_at', 'replaces', 'status',
               'finalized_at', 'voided_at', 'void_reason', 'content_hash')


def _field(path, reason):
    return exception.InvalidBody(reason='%s: %s' % (path, reason))


def _subscription(request, body, now):
    """The hypothetical subscription: the plan from ``start`` on."""
    try:
        cycle = periods.BillingCycle(
            body.get('anchor_day', 1),
            body.get('timezone') or request.conf.billing.timezone)
    except ValueError as exc:
        raise _field('anchor_day' if 'anchor' in str(exc) else 'timezone',
                     exc)
    start = billing.time(body, 'start', 'start') or cycle.period(now).start
    try:
        return plans_.parse_subscription({
            'id': QUOTE_ID, 'project_id': QUOTE_ID,
            'plans': [{'plan': body['plan'],
                       'from': timeutils.isoformat(start)}],
            'anchor_day': cycle.anchor, 'timezone': cycle.timezone})
    except errors.DocumentError as exc:
        raise billing.invalid(exc)


def _record(meters, index, item, sub, period):
    """A lines.Usage of one hypothetical usage item, checked."""
    path = 'usage/%d' % index
    meter = meters.get(item['meter'])
    if meter is None:
        raise _field(path + '/meter', 'unknown meter %s; known: %s' % (
            item['meter'], ', '.join(sorted(meters))))
    try:
        quantity = money.to_decimal(item['quantity'], 'the quantity')
    except ValueError as exc:
        raise _field(path + '/quantity', exc)
    if quantity < 0:
        raise _field(path + '/quantity', 'must be 0 or more')
    unit = item.get('unit', meter.unit)
    try:
        units.conversion(meter.unit, unit)
    except ValueError as exc:
        raise _field(path + '/unit', exc)
    start = billing.time(item, 'start', path + '/start') or sub.start
    end = billing.time(item, 'end', path + '/end') or start
    if not sub.start <= start < period.end:
        raise _field(path + '/start', 'must lie in the quoted period, from '
                     'the start %s to %s' % (timeutils.isoformat(sub.start),
                                             timeutils.isoformat(period.end)))
    if not start <= end <= period.end:
        raise _field(path + '/end', 'must lie between the start and the '
                     'period\'s end %s' % timeutils.isoformat(period.end))
    return lines.Usage(
        id=item.get('id', 'usage-%d' % index), meter=item['meter'],
        unit=unit, quantity=quantity, window_start=start, window_end=end,
        attributes=item.get('attributes') or {})


class QuoteController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('POST')

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'rating:quote')
        body = validation.body(request, schemas.QUOTE, exact=True)
        now = timeutils.utcnow()
        sub = _subscription(request, body, now)
        plans, lists = billing.catalog(request.storage,
                                       [('plan', body['plan'])])
        period = sub.cycle.period(sub.start)
        records = [_record(request.definitions.meters, index, item, sub,
                           period)
                   for index, item in enumerate(body['usage'])]
        try:
            rating = rate.rate(sub, plans, lists, period, records,
                               rounding=request.conf.billing.rounding)
        except errors.BillingError as exc:
            raise exception.BadRequest(reason=str(exc))
        document = invoices.build(QUOTE_ID, sub, rating, {}, now)
        for name in _NOT_QUOTED:
            document.pop(name, None)
        document['plan'] = body['plan']
        document['rated'] = []
        for rated in rating.rated:
            line = rated.document()
            for name in ('subscription_id', 'project_id', 'resource_id'):
                del line[name]
            document['rated'].append(line)
        return document


def _group_value(line, key):
    if key == 'price':
        return json.loads(line.line_key)['item']
    if key == 'line':
        return json.loads(line.line_key)
    if key == 'period':
        return timeutils.isoformat(line.period_start)
    return getattr(line, key)


def summarize(rated, group_by):
    """Rated lines summed by meter, units, currency and ``group_by``."""
    groups, totals = {}, {}
    with money.exact():
        for line in rated:
            values = {key: _group_value(line, key) for key in group_by}
            key = (line.meter, line.unit, line.pricing_unit, line.currency,
                   json.dumps(values, sort_keys=True))
            entry = groups.get(key)
            if entry is None:
                entry = groups[key] = {
                    'meter': line.meter, 'unit': line.unit,
                    'pricing_unit': line.pricing_unit,
                    'currency': line.currency, 'group': values,
                    'quantity': money.ZERO, 'amount': money.ZERO,
                    'lines': 0, 'ratio': (line.num, line.den)}
            entry['quantity'] += line.quantity
            entry['amount'] += line.amount
            entry['lines'] += 1
            totals[line.currency] = totals.get(line.currency,
                                               money.ZERO) + line.amount
        found = []
        for key in sorted(groups):
            entry = groups[key]
            num, den = entry.pop('ratio')
            entry['pricing_quantity'] = money.ratio_text(
                entry['quantity'] * num, den)
            entry['quantity'] = money.text(entry['quantity'])
            entry['amount'] = _minor(entry['amount'], entry['currency'])
            found.append(entry)
    return found, [{'currency': c, 'amount': _minor(a, c)}
                   for c, a in sorted(totals.items())]


def _minor(amount, code):
    """A sum of shares, which are in the minor unit: "10.00", not "10"."""
    return money.text(money.round_amount(amount, currency.exponent(code)))


class RatedUsageController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.RATED_USAGE_QUERY)
        project_id = usage.scope(request, values, 'rating:get')
        start, end = validation.time_range(
            values, *usage.month(timeutils.utcnow()))
        group_by = values.get('group_by', [])
        for key in group_by:
            if key not in GROUP_KEYS:
                raise exception.InvalidParameter(
                    name='group_by', reason='%s is not a key rated usage '
                    'is summed by; known keys: %s' % (
                        key, ', '.join(GROUP_KEYS)))
        rated = request.storage.rated_lines(
            subscription_id=values.get('subscription_id'),
            project_id=project_id, start=start, end=end)
        found, totals = summarize(rated, group_by)
        return render.jsonable({
            'project_id': project_id, 'start': start, 'end': end,
            'subscription_id': values.get('subscription_id'),
            'group_by': group_by, 'rated_usage': found, 'totals': totals})
