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
"""Billing periods on the days that break calendars."""

import datetime

from oslotest import base

from scs_metering.rating import periods

UTC = datetime.timezone.utc


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def bounds(cycle, *when):
    period = cycle.period(utc(*when))
    return period.start, period.end


class PeriodsTest(base.BaseTestCase):

    def test_leap_day(self):
        cycle = periods.BillingCycle(1, 'UTC')
        self.assertEqual((utc(2024, 2, 1), utc(2024, 3, 1)),
                         bounds(cycle, 2024, 2, 29, 23, 59, 59))
        self.assertEqual(29 * 86400, cycle.period(utc(2024, 2, 29)).seconds)
        self.assertEqual(28 * 86400, cycle.period(utc(2023, 2, 28)).seconds)

    def test_anchor_28(self):
        cycle = periods.BillingCycle(28, 'UTC')
        self.assertEqual((utc(2024, 1, 28), utc(2024, 2, 28)),
                         bounds(cycle, 2024, 2, 27, 23, 59, 59))
        self.assertEqual((utc(2024, 2, 28), utc(2024, 3, 28)),
                         bounds(cycle, 2024, 2, 29))

    def test_month_end_and_31(self):
        for anchor in (31, periods.MONTH_END):
            cycle = periods.BillingCycle(anchor, 'UTC')
            self.assertEqual(periods.MONTH_END, cycle.anchor)
            starts = [p.start for p in cycle.periods(utc(2024, 1, 1),
                                                     utc(2024, 5, 1))]
            self.assertEqual([utc(2023, 12, 31), utc(2024, 1, 31),
                              utc(2024, 2, 29), utc(2024, 3, 31),
                              utc(2024, 4, 30)], starts)

    def test_daylight_saving(self):
        cycle = periods.BillingCycle(1, 'Europe/Berlin')
        march = cycle.period(utc(2024, 3, 15))
        self.assertEqual((utc(2024, 2, 29, 23), utc(2024, 3, 31, 22)),
                         (march.start, march.end))
        self.assertEqual(743 * 3600, march.seconds)
        self.assertEqual(745 * 3600, cycle.period(utc(2024, 10, 15)).seconds)

    def test_midnight_that_does_not_exist(self):
        """Sao Paulo skipped 4 November 2018 00:00-01:00 (DST at midnight).

        The period of anchor 4 starts at the day's first instant, 01:00
        local (-02:00) = 03:00 UTC, and the one before it lasts 31 days.
        """
        cycle = periods.BillingCycle(4, 'America/Sao_Paulo')
        october = cycle.period(utc(2018, 10, 20))
        self.assertEqual(utc(2018, 11, 4, 3), october.end)
        self.assertEqual(31 * 86400, october.seconds)
        self.assertEqual(utc(2018, 12, 4, 2), cycle.next(october).end)

    def test_periods_tile_over_years(self):
        cycle = periods.BillingCycle(periods.MONTH_END, 'Australia/Lord_Howe')
        found = cycle.periods(utc(2023, 1, 1), utc(2026, 1, 1))
        self.assertEqual(37, len(found))
        for before, after in zip(found, found[1:]):
            self.assertEqual(before.end, after.start)

    def test_refused(self):
        for anchor in (0, 29, 30, 32, '1', True, None):
            self.assertRaises(ValueError, periods.BillingCycle, anchor, 'UTC')
        self.assertRaises(ValueError, periods.BillingCycle, 1, 'Mars/Base')
        self.assertRaises(ValueError, periods.BillingCycle(1, 'UTC').period,
                          datetime.datetime(2024, 1, 1))
