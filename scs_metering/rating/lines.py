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
"""The values rating produces: line keys, accruals, rated usage.

A line key names one line of a billing period: usage of one price (in
one price list version, plan and group), one recurring fee, or one
minimum charge top-up. Invoices of a period bill the same keys again
and again, each time the period-to-date amount less what was billed,
so the key's text is what storage groups and compares by.
"""

import dataclasses
import json
import typing

from scs_metering.common import timeutils
from scs_metering.rating import money

USAGE = 'usage'
FEE = 'fee'
MINIMUM = 'minimum'


def canonical_json(document):
    """The one byte form of a document: sorted keys, no spaces, UTF-8.

    Hashes and golden files compare these bytes, so the form never
    depends on dict order, on the platform or on the json defaults.
    """
    return json.dumps(document, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False, allow_nan=False).encode('utf-8')


@dataclasses.dataclass(frozen=True)
class LineKey:
    """What one invoice line is of; ``text`` is its stable identity.

    ``segment`` is the start of the plan segment the line belongs to:
    segments are rated apart, so their lines never merge, even when a
    plan comes back later in the same period.
    """

    kind: str
    item: str
    plan: str
    price_list: str = None
    version: object = None
    group: tuple = ()
    segment: str = None

    @property
    def text(self):
        return canonical_json(self.document()).decode('utf-8')

    def document(self):
        return {'kind': self.kind, 'item': self.item, 'plan': self.plan,
                'price_list': self.price_list, 'version': self.version,
                'group': dict(self.group), 'segment': self.segment}


@dataclasses.dataclass(frozen=True)
class Usage:
    """A usage record as rating reads it.

    The engine's stored records have these attributes too and can be
    rated as they are; this type is for quotes of hypothetical usage
    and for tests.
    """

    id: str
    meter: str
    unit: str
    quantity: object
    window_start: object
    window_end: object
    attributes: dict = dataclasses.field(default_factory=dict)
    revision: int = 1
    resource_id: str = None
    project_id: str = None


@dataclasses.dataclass
class Accrual:
    """The exact period-to-date amount of a line key.

    The amount is ``numerator / denominator``: a unit price per hour
    applied to seconds is not a finite decimal, so the division is left
    to the single rounding. ``quantity`` is in ``unit`` (the meter's,
    or seconds for a fee); ``num/den`` turns it into ``pricing_unit``.
    """

    key: LineKey
    denominator: int
    unit: str
    pricing_unit: str
    num: int
    den: int
    start: object
    end: object
    description: str = None
    unit_price: object = None
    numerator: object = money.ZERO
    quantity: object = money.ZERO
    # The numerator rounded, as of the last usage record rated into it.
    last_rounded: object = money.ZERO

    def pricing_quantity(self, quantity=None):
        return money.ratio_text(
            (self.quantity if quantity is None else quantity) * self.num,
            self.den)

    def rounded(self, exponent, rounding):
        return money.round_ratio(self.numerator, self.denominator, exponent,
                                 rounding)


class RatedUsage(typing.NamedTuple):
    """What one revision of one usage record costs in its line.

    A named tuple rather than a frozen dataclass: as immutable, and made
    several times faster, once for every usage record of a period.

    ``amount`` is the record's share of its line, in the currency's
    minor unit: the line's rounded period-to-date amount after this
    record less the same before it, records taken in event-time order.
    So the rated amounts of a line always add up to the line's invoiced
    amounts exactly, and no record's share is rounded on its own.
    """

    usage_id: str
    usage_revision: int
    subscription_id: str
    key: LineKey
    meter: str
    resource_id: str
    project_id: str
    window_start: object
    window_end: object
    quantity: object
    unit: str
    pricing_unit: str
    amount: object
    currency: str
    # quantity * num / den is the quantity in pricing_unit.
    num: int = 1
    den: int = 1

    @property
    def pricing_quantity(self):
        """For display: rendered when serialised, not for every record."""
        return money.ratio_text(self.quantity * self.num, self.den)

    def document(self):
        return {
            'usage_id': self.usage_id,
            'usage_revision': self.usage_revision,
            'subscription_id': self.subscription_id,
            'line': self.key.document(),
            'meter': self.meter,
            'resource_id': self.resource_id,
            'project_id': self.project_id,
            'window_start': timeutils.isoformat(self.window_start),
            'window_end': timeutils.isoformat(self.window_end),
            'quantity': money.text(self.quantity),
            'unit': self.unit,
            'pricing_quantity': self.pricing_quantity,
            'pricing_unit': self.pricing_unit,
            'amount': money.text(self.amount),
            'currency': self.currency,
        }


@dataclasses.dataclass(frozen=True)
class Unrated:
    """A usage record no price applies to, and why. Never billed as 0."""

    usage_id: str
    usage_revision: int
    meter: str
    quantity: object
    reason: str

    def document(self):
        return {'usage_id': self.usage_id,
                'usage_revision': self.usage_revision, 'meter': self.meter,
                'quantity': (money.text(self.quantity)
                             if self.quantity is not None else None),
                'reason': self.reason}
