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
"""Pricing models: what a quantity of a period costs.

Each model is a function from the quantity consumed so far in a billing
period (in the price's unit, after free units) to the amount that
quantity costs. Rating takes differences of it, so that tiers see the
period's total and never one record alone:

``per_unit``
    quantity * unit_price.
``graduated``
    Each tier prices the part of the quantity inside it: with tiers
    [0, 100) at 0.10 and [100, inf) at 0.08, 150 units cost
    100 * 0.10 + 50 * 0.08 = 14.00. Continuous and never decreasing.
``volume``
    The tier the whole quantity reaches prices all of it: 150 units cost
    150 * 0.08 = 12.00. It jumps at tier bounds, and can fall: crossing
    into a cheaper tier lowers the total, and a later invoice of the
    period then credits the difference.
``package``
    Started packages of package_size units at package_price each:
    with packages of 100 at 5.00, 150 units cost 2 * 5.00 = 10.00.

Tiers are half-open ranges [from, to) of Decimals, sorted, starting at
0, without gap or overlap, the last one unbounded (to is null).

Quantities arrive scaled: a price's unit is num/den of the meter's, so
``x`` = meter quantity * num and every bound is multiplied by den; the
model returns the amount multiplied by den. All exact: the one division
by den happens when the amount is rounded (money.round_ratio).
"""

import dataclasses

from scs_metering.rating import errors
from scs_metering.rating import money

PER_UNIT = 'per_unit'
GRADUATED = 'graduated'
VOLUME = 'volume'
PACKAGE = 'package'
FLAT = 'flat'
USAGE_MODELS = (PER_UNIT, GRADUATED, VOLUME, PACKAGE)
MAX_TIERS = 100


def decimal_field(document, name, path, required=True, positive=False,
                  default=None):
    """A bounded, non-negative Decimal field of a document."""
    value = document.get(name)
    if value is None:
        if required:
            raise errors.DocumentError(errors.join(path, name), 'required')
        return default
    try:
        result = money.to_decimal(value, 'the value')
    except ValueError as exc:
        raise errors.DocumentError(errors.join(path, name), str(exc))
    if result < 0 or (positive and result == 0):
        raise errors.DocumentError(errors.join(path, name), 'must be %s' % (
            'greater than 0' if positive else '0 or more'))
    return result


@dataclasses.dataclass(frozen=True)
class Tier:
    """Units in [start, end) cost unit_price each; end None is no end."""

    start: object
    end: object
    unit_price: object

    def document(self):
        return {'from': money.text(self.start),
                'to': None if self.end is None else money.text(self.end),
                'unit_price': money.text(self.unit_price)}


def _tiers(document, path):
    tiers = document.get('tiers')
    if not isinstance(tiers, list) or not 0 < len(tiers) <= MAX_TIERS:
        raise errors.DocumentError(path + '/tiers', 'give a list of 1 to '
                                   '%d tiers' % MAX_TIERS)
    parsed, expected = [], money.ZERO
    for index, tier in enumerate(tiers):
        here = '%s/tiers/%d' % (path, index)
        if not isinstance(tier, dict):
            raise errors.DocumentError(here, 'a tier is an object with '
                                       'from, to and unit_price')
        unknown = sorted(set(tier) - {'from', 'to', 'unit_price'})
        if unknown:
            raise errors.DocumentError(errors.join(here, unknown[0]),
                                       'unknown field')
        start = decimal_field(tier, 'from', here)
        end = decimal_field(tier, 'to', here, required=False)
        price = decimal_field(tier, 'unit_price', here)
        if start != expected:
            what = ('the first tier starts at 0' if index == 0 else
                    'a gap' if start > expected else 'an overlap')
            raise errors.DocumentError(here + '/from', '%s: expected %s, '
                                       'got %s' % (what, money.text(expected),
                                                   money.text(start)))
        last = index == len(tiers) - 1
        if end is None and not last:
            raise errors.DocumentError(here + '/to', 'only the last tier is '
                                       'unbounded')
        if end is not None and last:
            raise errors.DocumentError(here + '/to', 'the last tier must be '
                                       'unbounded (null), or some quantity '
                                       'would have no price')
        if end is not None and end <= start:
            raise errors.DocumentError(here + '/to', 'must be greater than '
                                       'from (%s)' % money.text(start))
        parsed.append(Tier(start, end, price))
        expected = end
    return tuple(parsed)


class Model:
    """A pricing model; ``bind(den)`` gives its scaled amount function."""

    name = None
    fields = ()

    def bind(self, den):
        raise NotImplementedError

    def unit_price(self):
        """The price of one unit when it is the same for all, else None."""
        return None


@dataclasses.dataclass(frozen=True)
class PerUnit(Model):
    price: object
    name = PER_UNIT
    fields = ('unit_price',)

    @classmethod
    def parse(cls, document, path):
        return cls(decimal_field(document, 'unit_price', path))

    def bind(self, den):
        price = self.price
        return lambda x: x * price

    def unit_price(self):
        return self.price

    def document(self):
        return {'unit_price': money.text(self.price)}


@dataclasses.dataclass(frozen=True)
class Graduated(Model):
    tiers: tuple
    name = GRADUATED
    fields = ('tiers',)

    @classmethod
    def parse(cls, document, path):
        return cls(_tiers(document, path))

    def bind(self, den):
        scaled = [(t.start * den, None if t.end is None else t.end * den,
                   t.unit_price) for t in self.tiers]

        def amount(x):
            total = money.ZERO
            for start, end, price in scaled:
                if x <= start:
                    break
                total += ((x if end is None or x < end else end) - start) * (
                    price)
            return total
        return amount

    def document(self):
        return {'tiers': [t.document() for t in self.tiers]}


@dataclasses.dataclass(frozen=True)
class Volume(Graduated):
    name = VOLUME

    def bind(self, den):
        scaled = [(None if t.end is None else t.end * den, t.unit_price)
                  for t in self.tiers]

        def amount(x):
            for end, price in scaled:
                if end is None or x < end:
                    return x * price
        return amount


@dataclasses.dataclass(frozen=True)
class Package(Model):
    size: object
    price: object
    name = PACKAGE
    fields = ('package_size', 'package_price')

    @classmethod
    def parse(cls, document, path):
        return cls(decimal_field(document, 'package_size', path,
                                 positive=True),
                   decimal_field(document, 'package_price', path))

    def bind(self, den):
        size, price = self.size * den, self.price * den

        def amount(x):
            count, rest = divmod(x, size)
            return (count + (1 if rest else 0)) * price
        return amount

    def document(self):
        return {'package_size': money.text(self.size),
                'package_price': money.text(self.price)}


USAGE_MODEL_CLASSES = {m.name: m for m in (PerUnit, Graduated, Volume,
                                           Package)}
