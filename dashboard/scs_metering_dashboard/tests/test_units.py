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
"""Readable units: exact decimals, rounded once, never a float."""

import decimal
import unittest

from scs_metering_dashboard import units


class ReadableTest(unittest.TestCase):

    def test_seconds_to_hours(self):
        self.assertEqual('18.2467', units.text(units.to_readable(
            '65688', 's')))
        self.assertEqual('hours', units.readable_unit('s'))

    def test_gib_seconds_to_gib_hours(self):
        self.assertEqual('65.0000', units.text(units.to_readable(
            '234000', 'GiB*s')))
        self.assertEqual('GiB·hours', units.readable_unit('GiB*s'))

    def test_bytes(self):
        self.assertEqual('1.0000', units.text(units.to_readable(
            str(2 ** 30 * 3600), 'B*s')))
        self.assertEqual('0.5000', units.text(units.to_readable(
            str(2 ** 29), 'B')))

    def test_half_to_even(self):
        # 0.18 s is 0.00005 h: the tie goes to the even 0.0000; 0.54 s is
        # 0.00015 h and goes to 0.0002.
        self.assertEqual('0.0000', units.text(units.to_readable('0.18', 's')))
        self.assertEqual('0.0002', units.text(units.to_readable('0.54', 's')))

    def test_huge_quantities_stay_exact(self):
        seconds = '123456789012345678901234567890'
        hours = units.to_readable(seconds, 's')
        self.assertEqual(decimal.Decimal(seconds) / 3600,
                         hours.quantize(decimal.Decimal(1)) +
                         (decimal.Decimal(seconds) / 3600 -
                          hours.quantize(decimal.Decimal(1))))
        self.assertEqual('34293552503429355250342935.5250', units.text(hours))

    def test_unknown_unit_kept_as_the_api_gives_it(self):
        self.assertEqual('12.345678', units.text(units.to_readable(
            '12.345678', 'widgets')))
        self.assertEqual('widgets', units.readable_unit('widgets'))

    def test_no_exponent(self):
        self.assertEqual('0.0000', units.text(units.to_readable('0E-10', 's')))

    def test_not_a_number(self):
        self.assertRaises(ValueError, units.to_readable, 'NaN-ish', 's')
