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
"""Decimals, units and currencies: exact, bounded, and never floats."""

import decimal
import io
import json
import os
import tokenize

from oslotest import base

from scs_metering.rating import currency
from scs_metering.rating import money
from scs_metering.rating import units

D = decimal.Decimal
RATING = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                      'rating')
GOLDEN = os.path.join(os.path.dirname(__file__), 'golden')


class MoneyTest(base.BaseTestCase):

    def test_to_decimal(self):
        self.assertEqual(D('0.10'), money.to_decimal('0.10'))
        self.assertEqual(D(3), money.to_decimal(3))
        for bad in (0.1, True, None, 'NaN', 'Infinity', '1e', '1' * 41,
                    '1E-25'):
            self.assertRaises(ValueError, money.to_decimal, bad)

    def test_text(self):
        self.assertEqual('1000', money.text(D('1E+3')))
        self.assertEqual('0.00', money.text(D('-0.00')))
        self.assertEqual('0.0000001', money.text(D('1E-7')))

    def test_round_ratio_modes(self):
        cases = {'half_even': ('0.02', '0.04', '-0.02'),
                 'half_up': ('0.03', '0.04', '-0.03'),
                 'half_down': ('0.02', '0.03', '-0.02'),
                 'up': ('0.03', '0.04', '-0.03'),
                 'down': ('0.02', '0.03', '-0.02'),
                 'ceiling': ('0.03', '0.04', '-0.02'),
                 'floor': ('0.02', '0.03', '-0.03')}
        for mode, expected in cases.items():
            got = tuple(str(money.round_ratio(D(n), 1000, -2, mode))
                        for n in (25, 35, -25))
            self.assertEqual(expected, got, mode)
        self.assertRaises(ValueError, money.round_ratio, D(1), 1, -2,
                          'bankers')
        # 1/3600 of a euro is no decimal; rounded once, exactly.
        self.assertEqual(D('0.00'), money.round_ratio(D(1), 3600, -2))
        # 18/3600 = 0.005 exactly: a tie, to the even cent.
        self.assertEqual(D('0.00'), money.round_ratio(D(18), 3600, -2))
        self.assertEqual(D('0.01'), money.round_ratio(D(19), 3600, -2))

    def test_context_traps_inexact(self):
        with money.exact():
            self.assertRaises(decimal.Inexact, lambda: D(1) / D(3))


class CurrencyTest(base.BaseTestCase):

    def test_minor_units(self):
        self.assertEqual((2, 0, 3, 4), tuple(currency.minor_units(c) for c in
                                             ('EUR', 'JPY', 'BHD', 'CLF')))
        self.assertRaises(ValueError, currency.minor_units, 'eur')
        self.assertRaises(ValueError, currency.minor_units, 'XAU')
        for code in currency.MINOR_UNITS:
            self.assertRegex(code, '^[A-Z]{3}$')


class UnitsTest(base.BaseTestCase):

    def test_conversions(self):
        def ratio(source, target):
            found = units.conversion(source, target)
            return found.num, found.den
        self.assertEqual((1, 3600), ratio('s', 'hour'))
        self.assertEqual((1, 3600), ratio('GiB*s', 'GiB·hour'))
        self.assertEqual((1, 2 ** 30 * 3600), ratio('B*s', 'GiB*hour'))
        self.assertEqual((1, 2 ** 30), ratio('B', 'GiB'))
        # 2**30 / (10**9 * 86400), reduced: 2**14 / (5**9 * 675).
        self.assertEqual((2 ** 14, 5 ** 9 * 675), ratio('GiB*s', 'GB*day'))
        self.assertEqual((1, 1), ratio('B*s', 's*B'))
        # Counted things: RGW objects over time, API requests.
        self.assertEqual((1, 3600), ratio('object*s', 'object*hour'))
        self.assertEqual((1, 1), ratio('request', 'request'))
        for source, target in (('s', 'GiB'), ('s', 'hours'), ('B', 'B*s'),
                               ('s', 'hour*h'), ('s', ''),
                               ('request', 'object'), ('object*s', 's')):
            self.assertRaises(ValueError, units.conversion, source, target)


class NoFloatTest(base.BaseTestCase):
    """No float literal, float() or float type in rating; none out of it."""

    def test_source_has_no_float(self):
        names = sorted(n for n in os.listdir(RATING) if n.endswith('.py'))
        self.assertIn('money.py', names)
        for name in names:
            with open(os.path.join(RATING, name), 'rb') as source:
                for token in tokenize.tokenize(io.BytesIO(
                        source.read()).readline):
                    if token.type == tokenize.NUMBER:
                        self.assertRegex(token.string, r'^(0[xob])?[0-9_]+$',
                                         '%s:%d' % (name, token.start[0]))
                    if token.type == tokenize.NAME:
                        self.assertNotEqual('float', token.string,
                                            '%s:%d' % (name, token.start[0]))

    def test_golden_files_have_no_json_numbers_with_fractions(self):
        def refuse(text):
            raise AssertionError('a float in the output: %s' % text)
        for name in os.listdir(GOLDEN):
            with open(os.path.join(GOLDEN, name)) as golden:
                json.load(golden, parse_float=refuse)
