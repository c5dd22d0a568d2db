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
"""Price list versions: parsed, checked and immutable.

A price list has one currency and immutable versions, each in force from
its ``effective_from`` until the next one's. A version document, as the
API receives it and storage keeps it::

    {"effective_from": "2025-01-01T00:00:00Z",
     "description": "2025 list",
     "prices": [
        {"id": "server-small", "meter": "instance", "unit": "hour",
         "match": {"flavor_name": ["m1.tiny", "m1.small"]},
         "group_by": ["flavor_name"],
         "model": "per_unit", "unit_price": "0.012"},
        {"id": "volume", "meter": "volume.size", "unit": "GiB*hour",
         "model": "graduated", "free_units": "100",
         "tiers": [{"from": "0", "to": "10000", "unit_price": "0.0002"},
                   {"from": "10000", "to": null, "unit_price": "0.00015"}]},
        {"id": "support", "model": "flat", "amount": "25.00"}]}

Publishing checks everything that can be checked before a bill exists:
unknown fields and units, tiers with gaps, and above all two prices of
one meter that could both match one record (``match.Match.overlap``).
"""

import dataclasses

from scs_metering.common import timeutils
from scs_metering.rating import charges
from scs_metering.rating import currency
from scs_metering.rating import errors
from scs_metering.rating import match as match_
from scs_metering.rating import money
from scs_metering.rating import units

MAX_PRICES = 1000
MAX_TEXT = 255

_USAGE_FIELDS = {'id', 'description', 'model', 'meter', 'unit', 'match',
                 'group_by', 'free_units', 'minimum_charge'}
_FLAT_FIELDS = {'id', 'description', 'model', 'amount'}


def text_field(document, name, path, required=True):
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(
            value) > MAX_TEXT:
        raise errors.DocumentError(errors.join(path, name),
                                   'a non-empty string of at most %d '
                                   'characters is required' % MAX_TEXT)
    return value


def time_field(document, name, path, required=True):
    value = document.get(name)
    here = errors.join(path, name)
    if value is None:
        if required:
            raise errors.DocumentError(here, 'required')
        return None
    try:
        when = timeutils.parse(value)
    except ValueError as exc:
        raise errors.DocumentError(here, str(exc))
    if when is None:
        raise errors.DocumentError(here, 'required')
    return when


def check_fields(document, allowed, path):
    if not isinstance(document, dict):
        raise errors.DocumentError(path, 'an object is required')
    unknown = sorted(set(document) - set(allowed))
    if unknown:
        raise errors.DocumentError(errors.join(path, unknown[0]),
                                   'unknown field; known: %s' % ', '.join(
                                       sorted(allowed)))


@dataclasses.dataclass(frozen=True)
class Price:
    """One price of a version. ``meter`` is None for a flat fee."""

    id: str
    model: object
    meter: str = None
    unit: str = None
    match: match_.Match = match_.Match()
    group_by: tuple = ()
    free_units: object = None
    minimum_charge: object = None
    amount: object = None
    description: str = None

    @property
    def flat(self):
        return self.meter is None

    def document(self):
        doc = {'id': self.id, 'model': (charges.FLAT if self.flat
                                        else self.model.name)}
        if self.description is not None:
            doc['description'] = self.description
        if self.flat:
            doc['amount'] = money.text(self.amount)
            return doc
        doc.update(meter=self.meter, unit=self.unit,
                   match=self.match.document(), group_by=list(self.group_by))
        doc.update(self.model.document())
        for name in ('free_units', 'minimum_charge'):
            if getattr(self, name) is not None:
                doc[name] = money.text(getattr(self, name))
        return doc


def parse_price(document, path, meters=None):
    """A Price from its document; ``meters`` (name: Meter) if known.

    With ``meters`` (the engine's meter definitions), the meter must
    exist, the unit must convert from the meter's, and match and
    group_by may only name attributes the meter's records carry.
    """
    if not isinstance(document, dict):
        raise errors.DocumentError(path, 'a price is an object')
    price_id = text_field(document, 'id', path)
    model = document.get('model')
    description = text_field(document, 'description', path, required=False)
    if model == charges.FLAT:
        check_fields(document, _FLAT_FIELDS, path)
        return Price(price_id, None, amount=charges.decimal_field(
            document, 'amount', path), description=description)
    if model not in charges.USAGE_MODEL_CLASSES:
        raise errors.DocumentError(path + '/model', 'one of %s is '
                                   'required, not %r' % (', '.join(
                                       charges.USAGE_MODELS +
                                       (charges.FLAT,)), model))
    model_class = charges.USAGE_MODEL_CLASSES[model]
    check_fields(document, _USAGE_FIELDS | set(model_class.fields), path)
    meter = text_field(document, 'meter', path)
    unit = text_field(document, 'unit', path)
    try:
        units.parse(unit)
    except ValueError as exc:
        raise errors.DocumentError(path + '/unit', str(exc))
    group_by = document.get('group_by', [])
    if not isinstance(group_by, list) or not all(
            isinstance(g, str) and g for g in group_by) or len(
                set(group_by)) != len(group_by):
        raise errors.DocumentError(path + '/group_by', 'a list of distinct '
                                   'attribute names is required')
    price = Price(
        price_id, model_class.parse(document, path), meter=meter, unit=unit,
        match=match_.Match.parse(document.get('match'), path + '/match'),
        group_by=tuple(group_by),
        free_units=charges.decimal_field(document, 'free_units', path,
                                         required=False),
        minimum_charge=charges.decimal_field(document, 'minimum_charge',
                                             path, required=False),
        description=description)
    if meters is not None:
        _check_meter(price, meters, path)
    return price


def _check_meter(price, meters, path):
    meter = meters.get(price.meter)
    if meter is None:
        raise errors.DocumentError(path + '/meter', 'unknown meter %r; '
                                   'known: %s' % (price.meter, ', '.join(
                                       sorted(meters))))
    try:
        units.conversion(meter.unit, price.unit)
    except ValueError as exc:
        raise errors.DocumentError(path + '/unit', str(exc))
    carried = set(meter.group_by)
    for field, names in (('match', price.match.attributes),
                         ('group_by', price.group_by)):
        for name in names:
            if name not in carried:
                raise errors.DocumentError(
                    '%s/%s/%s' % (path, field, name),
                    'records of meter %s carry no attribute %s; they carry '
                    '%s' % (price.meter, name,
                            ', '.join(meter.group_by) or 'none'))


@dataclasses.dataclass(frozen=True)
class PriceListVersion:
    """The prices in force from ``effective_from`` to the next version."""

    effective_from: object
    prices: tuple
    description: str = None
    number: int = None

    def usage_prices(self, meter):
        return [p for p in self.prices if p.meter == meter]

    @property
    def flat_prices(self):
        return [p for p in self.prices if p.flat]

    def document(self):
        doc = {'effective_from': timeutils.isoformat(self.effective_from),
               'prices': [p.document() for p in self.prices]}
        if self.description is not None:
            doc['description'] = self.description
        return doc


def parse_version(document, meters=None, number=None):
    """A PriceListVersion from its document; DocumentError if invalid.

    ``number`` is the version's number in its list, which storage gives.
    """
    check_fields(document, {'effective_from', 'prices', 'description'}, '')
    effective_from = time_field(document, 'effective_from', '')
    prices = document.get('prices')
    if not isinstance(prices, list) or not 0 < len(prices) <= MAX_PRICES:
        raise errors.DocumentError('prices', 'give a list of 1 to %d prices'
                                   % MAX_PRICES)
    parsed, seen = [], {}
    for index, spec in enumerate(prices):
        price = parse_price(spec, 'prices/%d' % index, meters)
        if price.id in seen:
            raise errors.DocumentError('prices/%d/id' % index, 'price %s is '
                                       'already prices/%d' % (
                                           price.id, seen[price.id]))
        seen[price.id] = index
        parsed.append(price)
    check_overlaps(parsed)
    return PriceListVersion(effective_from, tuple(parsed),
                            text_field(document, 'description', '',
                                       required=False), number)


def check_overlaps(prices):
    """Raise PriceOverlap if two prices could rate one record.

    Prices of different meters never meet. For one meter, every pair is
    compared; a version holds at most MAX_PRICES prices, so this is at
    most half a million cheap set operations, once, at publish time.
    """
    by_meter = {}
    for index, price in enumerate(prices):
        if not price.flat:
            by_meter.setdefault(price.meter, []).append((index, price))
    for meter, group in sorted(by_meter.items()):
        for position, (index, price) in enumerate(group):
            for other_index, other in group[position + 1:]:
                witness = price.match.overlap(other.match)
                if witness is not None:
                    raise errors.PriceOverlap(
                        'prices/%d/match' % other_index,
                        'price %s and price %s (prices/%d) both match a '
                        'record of meter %s with %s; make their matches '
                        'disjoint on some attribute' % (
                            other.id, price.id, index, meter,
                            ', '.join('%s=%s' % item for item in
                                      sorted(witness.items())) or
                            'any attributes'))


@dataclasses.dataclass(frozen=True)
class PriceList:
    """A currency and the versions of a list, sorted by effective_from."""

    id: str
    currency: str
    versions: tuple

    def __post_init__(self):
        try:
            currency.minor_units(self.currency)
        except ValueError as exc:
            raise errors.DocumentError('currency', str(exc))
        ordered = tuple(sorted(self.versions,
                               key=lambda v: v.effective_from))
        for before, after in zip(ordered, ordered[1:]):
            if before.effective_from == after.effective_from:
                raise errors.DocumentError('effective_from', 'two versions '
                                           'take effect at %s' % (
                                               timeutils.isoformat(
                                                   after.effective_from)))
        _check_price_identity(ordered)
        object.__setattr__(self, 'versions', ordered)

    def version_at(self, instant):
        """The version in force at ``instant``, or None before the first."""
        found = None
        for version in self.versions:
            if version.effective_from > instant:
                break
            found = version
        return found

    def spans(self, start, end):
        """(version, span start, span end) of the versions in force."""
        found = []
        for index, version in enumerate(self.versions):
            nxt = (self.versions[index + 1].effective_from
                   if index + 1 < len(self.versions) else None)
            low = max(start, version.effective_from)
            high = end if nxt is None else min(end, nxt)
            if low < high:
                found.append((version, low, high))
        return found


def from_stored(stored):
    """The PriceList of a stored one (db.models.PriceList), parsed.

    Anything with its attributes will do: the core stays free of the
    storage layer, and the engine and the API parse lists the same way.
    """
    return PriceList(stored.id, stored.currency, tuple(
        parse_version(v.document(), number=v.number)
        for v in stored.versions))


def _check_price_identity(versions):
    """A price id keeps its meter and unit from version to version.

    Tiers count a period's quantity per price id across versions, so a
    mid-period version keeps a customer's tier position; that needs the
    quantity to be of the same meter, in the same unit.
    """
    first = {}
    for version in versions:
        for price in version.prices:
            known = first.setdefault(price.id, price)
            if (known.meter, known.unit) != (price.meter, price.unit):
                raise errors.DocumentError(
                    'prices', 'price %s changes from %s in %s to %s in %s '
                    'from %s; give the new one a new id' % (
                        price.id, known.meter or 'a flat fee',
                        known.unit or '-', price.meter or 'a flat fee',
                        price.unit or '-',
                        timeutils.isoformat(version.effective_from)))


def check_effective_from(effective_from, now, force=False, reason=None):
    """Refuse a back-dated version unless forced with a reason.

    A version that takes effect in the past changes what periods already
    rated cost; the operator must say so (``force``) and why
    (``reason``), and storage keeps both with the version.
    """
    if effective_from >= now:
        return
    if not force or not (isinstance(reason, str) and reason.strip()):
        raise errors.DocumentError(
            'effective_from', '%s is in the past; back-dating a version '
            're-rates usage already rated: set force and give a reason' %
            timeutils.isoformat(effective_from))
