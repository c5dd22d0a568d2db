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
"""Billing periods: months that start on an anchor day in a time zone.

A billing cycle has an anchor day, 1 to 28 or the month's end, and the
operator's billing time zone. Period k starts at the first instant of
its anchor day in that zone and ends where period k + 1 starts, so
consecutive periods tile time with no gap and no overlap by
construction: there is one start function, and each end is the next
start. Anchor days 29 and 30 are refused, because they do not exist in
every month and any rule for them (clamping, rolling over) surprises
someone; 31 means the month's end, as in "the last day of the month".

The first instant of a day is local midnight converted with fold=0:
when a daylight-saving change skips midnight, that is the first local
time after the gap; when midnight happens twice, the first of them.
Every bound is an aware UTC datetime in whole seconds; usage windows
underneath stay UTC and are never shifted.
"""

import calendar
import dataclasses
import datetime
import zoneinfo

from scs_metering.common import timeutils

MONTH_END = 'month_end'
UTC = datetime.timezone.utc


@dataclasses.dataclass(frozen=True, order=True)
class Period:
    """The half-open UTC interval [start, end) of a billing period."""

    start: datetime.datetime
    end: datetime.datetime

    @property
    def seconds(self):
        return int((self.end - self.start).total_seconds())

    def contains(self, instant):
        return self.start <= instant < self.end

    def document(self):
        return {'start': timeutils.isoformat(self.start),
                'end': timeutils.isoformat(self.end)}


def parse_anchor(value):
    """1 to 28, or MONTH_END (also spelt 31); ValueError otherwise."""
    if value in (MONTH_END, 31):
        return MONTH_END
    if isinstance(value, bool) or not isinstance(value, int) or not (
            1 <= value <= 28):
        raise ValueError('the billing anchor is a day from 1 to 28, or '
                         '"month_end" (31 means the same); 29 and 30 do not '
                         'exist in every month, got %r' % (value,))
    return value


def parse_timezone(name):
    """A ZoneInfo for an IANA name, such as Europe/Berlin."""
    if not isinstance(name, str) or not name:
        raise ValueError('a time zone is an IANA name, such as '
                         'Europe/Berlin or UTC')
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError('unknown time zone %r: give an IANA name, such as '
                         'Europe/Berlin or UTC' % name)


@dataclasses.dataclass(frozen=True)
class BillingCycle:
    """Monthly periods starting on ``anchor`` in the zone ``timezone``."""

    anchor: object
    timezone: str

    def __post_init__(self):
        object.__setattr__(self, 'anchor', parse_anchor(self.anchor))
        object.__setattr__(self, '_zone', parse_timezone(self.timezone))

    def _start(self, index):
        """First UTC instant of period ``index`` (months since year 0)."""
        year, month = divmod(index, 12)
        month += 1
        day = (calendar.monthrange(year, month)[1]
               if self.anchor == MONTH_END else self.anchor)
        local = datetime.datetime(year, month, day, tzinfo=self._zone)
        return local.astimezone(UTC)

    def _index(self, instant):
        local = instant.astimezone(self._zone)
        index = local.year * 12 + local.month - 1
        while instant < self._start(index):
            index -= 1
        while instant >= self._start(index + 1):
            index += 1
        return index

    def period(self, instant):
        """The period holding ``instant`` (an aware datetime)."""
        index = self._index(_utc(instant))
        return Period(self._start(index), self._start(index + 1))

    def next(self, period):
        """The period right after ``period``."""
        return self.period(period.end)

    def periods(self, start, end):
        """The periods that overlap [start, end), in order."""
        start, end = _utc(start), _utc(end)
        found, index = [], self._index(start)
        while True:
            period = Period(self._start(index), self._start(index + 1))
            if period.start >= end:
                return found
            found.append(period)
            index += 1

    def document(self):
        return {'anchor_day': self.anchor, 'timezone': self.timezone}


def _utc(instant):
    if instant.tzinfo is None:
        raise ValueError('a naive time is ambiguous here: %s' % instant)
    return instant.astimezone(UTC)
