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
"""Quantities in units a person reads, computed exactly from the API's.

The API counts in seconds and bytes: an instance's usage is in ``s``, a
volume's in ``GiB*s``, an image's in ``B*s``, traffic in ``B``. People
read hours, GiB-hours and GiB. The conversion starts from the API's
decimal string and never goes through a float; the result is rounded once,
half to even, to ``DECIMALS`` places (doc/source/user/dashboard.rst says
so), and the API's exact value is always shown beside it.
"""

import decimal

DECIMALS = 4
STEP = decimal.Decimal(1).scaleb(-DECIMALS)
HOUR = 3600
GIB = 2 ** 30
# API unit: (readable unit, divisor).
READABLE = {
    's': ('hours', HOUR),
    'GiB*s': ('GiB·hours', HOUR),
    'B*s': ('GiB·hours', HOUR * GIB),
    'B': ('GiB', GIB),
}
# Wide enough for any quantity the API's NUMERIC columns hold.
_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN)


def exact(text):
    """The API's decimal string as a Decimal; ValueError if it is none."""
    try:
        return decimal.Decimal(str(text))
    except decimal.InvalidOperation:
        raise ValueError('not a decimal quantity: %r' % (text,))


def readable_unit(unit):
    return READABLE.get(unit, (unit, 1))[0]


def to_readable(quantity, unit):
    """A quantity in its readable unit as a Decimal, rounded by the rule.

    A unit without a readable form keeps the API's value untouched.
    """
    value = exact(quantity)
    if unit not in READABLE:
        return value
    return _CONTEXT.divide(value, READABLE[unit][1]).quantize(
        STEP, context=_CONTEXT)


def hours(seconds):
    """Seconds (of provenance, of lag) in hours, by the same rule."""
    return to_readable(seconds, 's')


def text(value):
    """A Decimal as it is shown: fixed point, never an exponent."""
    return '{:f}'.format(value)
