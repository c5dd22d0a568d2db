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
"""Exact decimal arithmetic, and the one rounding rule of billing.

Every operation runs in ``CONTEXT``, never in the thread's global decimal
context, which any library may change. ``CONTEXT`` traps ``Inexact``: an
addition or multiplication that would lose a digit raises instead of
rounding silently. Inputs are bounded (``MAX_DIGITS``, ``MIN_EXPONENT``)
so that no valid input comes near the precision.

Unit conversions (seconds to hours) and proration (seconds of a month)
divide, and 1/3600 is no decimal. So an exact amount is carried as a
decimal numerator over an integer denominator, and ``round_ratio``
rounds that quotient exactly, with integer arithmetic, once, to the
currency's minor unit. No float is involved anywhere.
"""

import decimal

from scs_metering.common import jsonutils

# 200 significant digits: bounded inputs (40 digits) multiplied by unit
# factors (under 20 digits) and summed over millions of records stay far
# below it, so Inexact can only fire on a bug.
CONTEXT = decimal.Context(
    prec=200, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999,
    Emax=999999, capitals=1, clamp=0,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero,
           decimal.Overflow, decimal.Inexact])

MAX_DIGITS = 40
MIN_EXPONENT = -24
# Any Decimal below it with MIN_EXPONENT has at most MAX_DIGITS digits.
MAX_MAGNITUDE = decimal.Decimal(10) ** (MAX_DIGITS + MIN_EXPONENT)

ZERO = decimal.Decimal(0)

# Rounding modes, by the names documents and options use.
ROUNDING_MODES = {
    'half_even': decimal.ROUND_HALF_EVEN,
    'half_up': decimal.ROUND_HALF_UP,
    'half_down': decimal.ROUND_HALF_DOWN,
    'up': decimal.ROUND_UP,
    'down': decimal.ROUND_DOWN,
    'ceiling': decimal.ROUND_CEILING,
    'floor': decimal.ROUND_FLOOR,
}
DEFAULT_ROUNDING = 'half_even'


def to_decimal(value, what='value'):
    """A finite, bounded Decimal from a decimal string or an integer.

    Floats are refused, not converted: a JSON number such as 0.1 has
    already lost its exact value when it reaches us, so documents give
    amounts as strings ("0.10"). Raises ValueError naming ``what``.
    """
    if type(value) is decimal.Decimal and value.is_finite() and (
            -MAX_MAGNITUDE < value < MAX_MAGNITUDE) and (
                value.as_tuple().exponent >= MIN_EXPONENT):
        # The engine's quantities: checked without a second conversion.
        return value
    if isinstance(value, bool) or not isinstance(
            value, (str, int, decimal.Decimal)):
        raise ValueError('%s must be a decimal string such as "0.10", not '
                         '%s' % (what, type(value).__name__))
    try:
        result = (value if isinstance(value, decimal.Decimal)
                  else decimal.Decimal(value.strip()
                                       if isinstance(value, str) else value))
    except decimal.InvalidOperation:
        raise ValueError('%s is not a decimal number: %r' % (what, value))
    if not result.is_finite():
        raise ValueError('%s must be finite, not %s' % (what, value))
    digits = result.as_tuple()
    if len(digits.digits) > MAX_DIGITS or (
            result and digits.exponent < MIN_EXPONENT):
        raise ValueError('%s has more digits than billing keeps (%d '
                         'significant, %d decimal places): %s' % (
                             what, MAX_DIGITS, -MIN_EXPONENT, value))
    return result


def rounding_mode(name):
    try:
        return ROUNDING_MODES[name]
    except (KeyError, TypeError):
        raise ValueError('rounding must be one of %s, not %r' % (
            ', '.join(sorted(ROUNDING_MODES)), name))


def round_ratio(numerator, denominator, exponent, rounding=DEFAULT_ROUNDING):
    """numerator / denominator rounded to 10 ** exponent, exactly.

    ``numerator`` is a Decimal or an integer, ``denominator`` a positive
    integer. The quotient is never formed as a decimal, so no digit is
    lost before the single rounding; the mode is one of
    ``ROUNDING_MODES``. Integer arithmetic on Decimal.as_integer_ratio,
    which is exact, and quick enough to run once per usage record.
    """
    mode = ROUNDING_MODES.get(rounding) or rounding_mode(rounding)
    if denominator <= 0:
        raise ValueError('denominator must be positive: %r' % denominator)
    top, bottom = (numerator, 1) if isinstance(
        numerator, int) else numerator.as_integer_ratio()
    # numerator / denominator / 10**exponent == top / bottom
    bottom *= denominator
    if exponent < 0:
        top *= 10 ** -exponent
    else:
        bottom *= 10 ** exponent
    negative = top < 0
    quotient, remainder = divmod(-top if negative else top, bottom)
    if remainder:
        twice = 2 * remainder
        if mode == decimal.ROUND_HALF_EVEN:
            up = twice > bottom or (twice == bottom and quotient % 2 == 1)
        elif mode == decimal.ROUND_HALF_UP:
            up = twice >= bottom
        elif mode == decimal.ROUND_HALF_DOWN:
            up = twice > bottom
        elif mode == decimal.ROUND_UP:
            up = True
        elif mode == decimal.ROUND_DOWN:
            up = False
        elif mode == decimal.ROUND_CEILING:
            up = not negative
        else:
            up = negative
        quotient += up
    return CONTEXT.scaleb(decimal.Decimal(-quotient if negative
                                          else quotient), exponent)


def round_amount(amount, exponent, rounding=DEFAULT_ROUNDING):
    """A Decimal amount rounded to 10 ** exponent (see round_ratio)."""
    return round_ratio(amount, 1, exponent, rounding)


def ratio_text(numerator, denominator, exponent=-12):
    """A quotient for people to read, at most -exponent decimal places.

    For display only (a quantity in hours, say): nothing is computed
    from it. Trailing zeros are dropped so that 3600 s reads "1".
    """
    return text(round_ratio(numerator, denominator, exponent).normalize(
        CONTEXT))


# The wire form of a Decimal: positional notation, no "-0".
text = jsonutils.decimal_text


def exact():
    """A ``with`` block computing in CONTEXT, whatever the thread's."""
    return decimal.localcontext(CONTEXT)
