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
"""Plans and subscriptions: who is billed, on what, from when.

A plan document names a price list and adds recurring fees and
allowances (free units of a price, on top of the price's own)::

    {"id": "standard", "price_list": "public-2025",
     "description": "Standard plan",
     "fees": [{"id": "base", "amount": "10.00",
               "description": "Platform fee"}],
     "allowances": [{"price": "server-small", "free_units": "100"}]}

A subscription binds a project, or a whole domain, to a timeline of
plans; a plan change is a new entry, taking effect at its ``from``::

    {"id": "sub-1", "project_id": "p1", "customer_ref": "CRM-0042",
     "anchor_day": 1, "timezone": "Europe/Berlin",
     "plans": [{"plan": "standard", "from": "2025-01-01T00:00:00Z"},
               {"plan": "premium", "from": "2025-03-15T12:00:00Z"}],
     "end": null}

Plans are immutable: changing what a plan costs is a new price list
version; changing its fees is a new plan and a plan change.
"""

import dataclasses

from scs_metering.common import timeutils
from scs_metering.rating import charges
from scs_metering.rating import errors
from scs_metering.rating import money
from scs_metering.rating import periods
from scs_metering.rating import pricelist

MAX_ITEMS = 100


@dataclasses.dataclass(frozen=True)
class Fee:
    """A recurring fee per billing period, accrued to the second."""

    id: str
    amount: object
    description: str = None

    def document(self):
        doc = {'id': self.id, 'amount': money.text(self.amount)}
        if self.description is not None:
            doc['description'] = self.description
        return doc


@dataclasses.dataclass(frozen=True)
class Plan:
    id: str
    price_list: str
    fees: tuple = ()
    # price id: extra free units per period, in the price's unit.
    allowances: tuple = ()
    description: str = None

    def free_units(self, price_id):
        return dict(self.allowances).get(price_id)

    def document(self):
        doc = {'id': self.id, 'price_list': self.price_list,
               'fees': [f.document() for f in self.fees],
               'allowances': [{'price': p, 'free_units': money.text(u)}
                              for p, u in self.allowances]}
        if self.description is not None:
            doc['description'] = self.description
        return doc


def _items(document, name, fields):
    items = document.get(name, [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise errors.DocumentError(name, 'a list of at most %d items is '
                                   'required' % MAX_ITEMS)
    for index, item in enumerate(items):
        pricelist.check_fields(item, fields, '%s/%d' % (name, index))
        yield '%s/%d' % (name, index), item


def _unique(items, path):
    seen = set()
    for index, key in enumerate(items):
        if key in seen:
            raise errors.DocumentError('%s/%d' % (path, index),
                                       '%s is given twice' % key)
        seen.add(key)


def parse_plan(document):
    """A Plan from its document; DocumentError naming the bad field."""
    pricelist.check_fields(document, {'id', 'price_list', 'description',
                                      'fees', 'allowances'}, '')
    fees = tuple(Fee(pricelist.text_field(item, 'id', path),
                     charges.decimal_field(item, 'amount', path),
                     pricelist.text_field(item, 'description', path,
                                          required=False))
                 for path, item in _items(document, 'fees',
                                          {'id', 'amount', 'description'}))
    _unique([f.id for f in fees], 'fees')
    allowances = tuple(
        (pricelist.text_field(item, 'price', path),
         charges.decimal_field(item, 'free_units', path))
        for path, item in _items(document, 'allowances',
                                 {'price', 'free_units'}))
    _unique([price for price, _units in allowances], 'allowances')
    return Plan(pricelist.text_field(document, 'id', ''),
                pricelist.text_field(document, 'price_list', ''), fees,
                allowances, pricelist.text_field(document, 'description', '',
                                                 required=False))


@dataclasses.dataclass(frozen=True)
class Segment:
    """A part of a billing period under one plan: [start, end)."""

    start: object
    end: object
    plan: str


@dataclasses.dataclass(frozen=True)
class Subscription:
    id: str
    # ('project_id' or 'domain_id', the id)
    scope: tuple
    plans: tuple
    cycle: periods.BillingCycle
    end: object = None
    customer_ref: str = None

    @property
    def start(self):
        return self.plans[0][1]

    def segments(self, period):
        """The Segments of ``period``, in order.

        A plan change splits the period at the instant it takes effect;
        the subscription's start and end clip it.
        """
        high = period.end
        if self.end is not None:
            high = min(high, self.end)
        found = []
        for index, (plan, start) in enumerate(self.plans):
            nxt = (self.plans[index + 1][1] if index + 1 < len(self.plans)
                   else None)
            low = max(start, period.start)
            end = high if nxt is None else min(high, nxt)
            if low < end:
                found.append(Segment(low, end, plan))
        return found

    def document(self):
        doc = {'id': self.id, self.scope[0]: self.scope[1],
               'plans': [{'plan': p, 'from': timeutils.isoformat(s)}
                         for p, s in self.plans],
               'end': timeutils.isoformat(self.end),
               'customer_ref': self.customer_ref}
        doc.update(self.cycle.document())
        return doc


def parse_subscription(document, default_timezone='UTC'):
    """A Subscription from its document.

    ``default_timezone`` is the operator's billing time zone, used when
    the document names none.
    """
    pricelist.check_fields(document, {
        'id', 'project_id', 'domain_id', 'plans', 'end', 'anchor_day',
        'timezone', 'customer_ref'}, '')
    scopes = [k for k in ('project_id', 'domain_id') if k in document]
    if len(scopes) != 1:
        raise errors.DocumentError('project_id', 'give exactly one of '
                                   'project_id and domain_id')
    scope = (scopes[0], pricelist.text_field(document, scopes[0], ''))
    plans = []
    for path, item in _items(document, 'plans', {'plan', 'from'}):
        plans.append((pricelist.text_field(item, 'plan', path),
                      pricelist.time_field(item, 'from', path)))
    if not plans:
        raise errors.DocumentError('plans', 'at least one plan is required')
    for index in range(1, len(plans)):
        if plans[index][1] <= plans[index - 1][1]:
            raise errors.DocumentError('plans/%d/from' % index, 'must be '
                                       'after plans/%d/from' % (index - 1))
    end = pricelist.time_field(document, 'end', '', required=False)
    if end is not None and end <= plans[0][1]:
        raise errors.DocumentError('end', 'must be after the start (%s)' %
                                   timeutils.isoformat(plans[0][1]))
    try:
        anchor = periods.parse_anchor(document.get('anchor_day', 1))
    except ValueError as exc:
        raise errors.DocumentError('anchor_day', str(exc))
    try:
        cycle = periods.BillingCycle(
            anchor, document.get('timezone') or default_timezone)
    except ValueError as exc:
        raise errors.DocumentError('timezone', str(exc))
    return Subscription(
        pricelist.text_field(document, 'id', ''), scope, tuple(plans),
        cycle, end, pricelist.text_field(document, 'customer_ref', '',
                                         required=False))
