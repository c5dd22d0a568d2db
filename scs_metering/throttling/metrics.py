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
"""What a rule measures: a rated amount, or a quantity of a meter.

``cost``
    The rated amount in one ``currency`` (rated lines, as invoices bill
    them), optionally of one ``meter`` and records matching ``match``.
``quantity``
    The quantity of one ``meter``, in ``unit``: the meter's own unit or
    one that ``rating.units`` converts it to exactly (``GiB*s`` is
    compared in ``TiB*hour``, say), of the records matching ``match``.

``match`` is billing's attribute match (``rating.match``), with the same
rules: values, lists of values or ``{"not_in": [...]}``, no patterns.

A value is compared to a threshold exactly: a quantity converted with
num/den is compared as total * num >= threshold * den, so 1/3600 of an
hour never turns into a rounded factor. The value a decision shows is
rounded down to VALUE_EXPONENT, and thresholds have at most that many
decimal places, so the shown value sits on the same side of a threshold
as the exact one.
"""

import dataclasses
import decimal

from scs_metering.rating import currency as currency_
from scs_metering.rating import match as match_
from scs_metering.rating import money
from scs_metering.rating import units
from scs_metering.throttling import errors
from scs_metering.throttling import fields

COST = 'cost'
QUANTITY = 'quantity'
TYPES = (COST, QUANTITY)
VALUE_EXPONENT = -12

_FIELDS = {COST: {'type', 'currency', 'meter', 'match'},
           QUANTITY: {'type', 'meter', 'unit', 'match'}}


@dataclasses.dataclass(frozen=True)
class Metric:
    """A cost in ``currency`` or a quantity of ``meter`` in ``unit``."""

    type: str
    meter: str = None
    unit: str = None
    currency: str = None
    match: match_.Match = match_.Match()

    @property
    def source(self):
        """What snapshot totals it reads: ('cost', currency) or meter."""
        return ((COST, self.currency) if self.type == COST
                else (QUANTITY, self.meter))

    @property
    def label(self):
        """The unit its values are in, for people: EUR, GiB*hour."""
        return self.currency if self.type == COST else self.unit

    def factor(self, meter_units):
        """(num, den) turning summed values into the metric's unit.

        Raises ValueError when the snapshot's unit of the meter does not
        convert to the rule's: a meter redefined since the rule was
        written.
        """
        if self.type == COST:
            return 1, 1
        meter_unit = meter_units.get(self.meter)
        if meter_unit is None:
            raise ValueError('the snapshot has no unit for meter %s' %
                             self.meter)
        conversion = units.conversion(meter_unit, self.unit)
        return conversion.num, conversion.den

    def total(self, entries):
        """The exact sum of the entries this metric counts."""
        meter, match = self.meter, self.match
        conditions = match.conditions
        total = money.ZERO
        with money.exact():
            for entry in entries:
                if meter is not None and entry.meter != meter:
                    continue
                if conditions and not match.matches(entry.attributes):
                    continue
                total += entry.value
        return total

    def document(self):
        doc = {'type': self.type}
        for name in ('currency', 'meter', 'unit'):
            if getattr(self, name) is not None:
                doc[name] = getattr(self, name)
        if self.match.conditions:
            doc['match'] = self.match.document()
        return doc


def shown_value(total, num, den):
    """The value a decision shows: total * num / den, rounded down."""
    value = money.round_ratio(total * num, den, VALUE_EXPONENT,
                              'floor').normalize(money.CONTEXT)
    if value.as_tuple().exponent > 0:
        # 1.2E+2 reads as 120.
        value = value.quantize(decimal.Decimal(1), context=money.CONTEXT)
    return value


def parse_metric(document, path='metric', meters=None):
    """A Metric; ``meters`` (name: Meter) checks meter, unit and match."""
    if not isinstance(document, dict):
        raise errors.RuleError(path, 'an object such as {"type": "cost", '
                               '"currency": "EUR"} is required')
    kind = document.get('type')
    if kind not in TYPES:
        raise errors.RuleError(errors.join(path, 'type'), 'one of %s is '
                               'required, not %r' % (', '.join(TYPES), kind))
    unknown = sorted(set(document) - _FIELDS[kind])
    if unknown:
        raise errors.RuleError(errors.join(path, unknown[0]),
                               'unknown field for a %s metric; known: %s' % (
                                   kind, ', '.join(sorted(_FIELDS[kind]))))
    match = fields.match(document.get('match'), errors.join(path, 'match'))
    meter = fields.text(document, 'meter', path, required=kind == QUANTITY)
    if kind == COST:
        code = document.get('currency')
        try:
            currency_.minor_units(code)
        except ValueError as exc:
            raise errors.RuleError(errors.join(path, 'currency'), str(exc))
        if match.conditions and meter is None:
            raise errors.RuleError(errors.join(path, 'match'), 'a match '
                                   'needs a meter, whose records it reads')
        metric = Metric(COST, meter=meter, currency=code, match=match)
    else:
        unit = fields.text(document, 'unit', path)
        try:
            units.parse(unit)
        except ValueError as exc:
            raise errors.RuleError(errors.join(path, 'unit'), str(exc))
        metric = Metric(QUANTITY, meter=meter, unit=unit, match=match)
    if meters is not None and meter is not None:
        _check_meter(metric, meters, path)
    return metric


def _check_meter(metric, meters, path):
    meter = meters.get(metric.meter)
    if meter is None:
        raise errors.RuleError(errors.join(path, 'meter'), 'unknown meter '
                               '%r; known: %s' % (metric.meter, ', '.join(
                                   sorted(meters))))
    if metric.type == QUANTITY:
        try:
            units.conversion(meter.unit, metric.unit)
        except ValueError as exc:
            raise errors.RuleError(errors.join(path, 'unit'), str(exc))
    carried = set(meter.group_by)
    for name in metric.match.attributes:
        if name not in carried:
            raise errors.RuleError(
                errors.join(path, 'match', name), 'records of meter %s '
                'carry no attribute %s; they carry %s' % (
                    metric.meter, name, ', '.join(meter.group_by) or 'none'))
