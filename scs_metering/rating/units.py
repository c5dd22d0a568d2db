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
"""Units of meters and prices, and the exact factors between them.

Meters count in base units (seconds, bytes, their products: ``s``,
``B``, ``B*s``, ``GiB*s``); prices are stated per unit people buy
(``hour``, ``GiB``, ``GiB*hour``). A unit is a product of at most one
unit per dimension, written with ``*`` (or ``·``). Each simple unit is
an integer number of base units, so a conversion is a ratio of two
integers, ``num/den``: no float, no rounded constant, nothing to drift.

An unknown unit is an error when a price is published: a typo must not
turn into a factor of 1.
"""

import dataclasses
import math

TIME = 'time'
INFORMATION = 'information'
# Counted things: the meters of API requests (nova's volume I/O, RGW)
# and of stored objects (object*s). A request is not an object.
REQUESTS = 'requests'
OBJECTS = 'objects'

# name: (dimension, size in base units: seconds or bytes). Decimal (SI)
# and binary (IEC 80000-13) prefixes are kept apart on purpose: a GB is
# 10**9 bytes, a GiB 2**30.
SIMPLE_UNITS = {
    's': (TIME, 1),
    'second': (TIME, 1),
    'minute': (TIME, 60),
    'hour': (TIME, 3600),
    'h': (TIME, 3600),
    'day': (TIME, 86400),
    'B': (INFORMATION, 1),
    'kB': (INFORMATION, 10 ** 3),
    'MB': (INFORMATION, 10 ** 6),
    'GB': (INFORMATION, 10 ** 9),
    'TB': (INFORMATION, 10 ** 12),
    'PB': (INFORMATION, 10 ** 15),
    'KiB': (INFORMATION, 2 ** 10),
    'MiB': (INFORMATION, 2 ** 20),
    'GiB': (INFORMATION, 2 ** 30),
    'TiB': (INFORMATION, 2 ** 40),
    'PiB': (INFORMATION, 2 ** 50),
    'request': (REQUESTS, 1),
    'object': (OBJECTS, 1),
}

_SEPARATORS = ('·', '*')


@dataclasses.dataclass(frozen=True)
class Unit:
    """A parsed unit: its spelling, dimensions and size in base units."""

    name: str
    dimensions: frozenset
    size: int


def parse(name):
    """The Unit spelled ``name``; ValueError naming the unknown part."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError('a unit is a non-empty string, such as "hour" or '
                         '"GiB*hour"')
    text = name.strip()
    for separator in _SEPARATORS[:-1]:
        text = text.replace(separator, _SEPARATORS[-1])
    dimensions, size = set(), 1
    for part in text.split(_SEPARATORS[-1]):
        part = part.strip()
        if part not in SIMPLE_UNITS:
            raise ValueError('unknown unit %r in %r; known units: %s' % (
                part, name, ', '.join(sorted(SIMPLE_UNITS))))
        dimension, factor = SIMPLE_UNITS[part]
        if dimension in dimensions:
            raise ValueError('unit %r has two %s units' % (name, dimension))
        dimensions.add(dimension)
        size *= factor
    return Unit(name, frozenset(dimensions), size)


@dataclasses.dataclass(frozen=True)
class Conversion:
    """quantity in ``to`` = quantity in ``source`` * num / den."""

    source: str
    to: str
    num: int
    den: int


def conversion(meter_unit, price_unit):
    """The exact Conversion from a meter's unit to a price's unit.

    Raises ValueError when a unit is unknown or when the two do not
    measure the same thing (seconds priced per GiB).
    """
    source, target = parse(meter_unit), parse(price_unit)
    if source.dimensions != target.dimensions:
        raise ValueError('unit %s cannot be converted from the meter\'s '
                         'unit %s: they measure %s and %s' % (
                             price_unit, meter_unit,
                             _describe(target), _describe(source)))
    common = math.gcd(source.size, target.size)
    return Conversion(meter_unit, price_unit, source.size // common,
                      target.size // common)


def _describe(unit):
    return ' x '.join(sorted(unit.dimensions)) or 'a count'
