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
"""UTC times at whole-second precision, the unit of every usage quantity."""

import datetime

from oslo_utils import timeutils

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def parse(value):
    """Parse a notification or API time into an aware UTC datetime.

    Times without an offset are UTC, as OpenStack services write them.
    Fractions of a second are dropped: usage is counted in whole seconds,
    and flooring every instant the same way keeps sums exact and additive.
    Returns None for the empty values services use for "not yet".
    """
    if value is None or value == '':
        return None
    if isinstance(value, datetime.datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = timeutils.parse_isotime(value.strip())
        except ValueError as exc:
            raise ValueError('not a time: %r (%s)' % (value, exc))
    else:
        raise ValueError('not a time: %r' % (value,))
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).replace(microsecond=0)


def isoformat(when):
    """The wire form of a time: ISO 8601 with a Z suffix.

    Not strftime: its %Y gives year 1 as "1", not "0001", on glibc.
    """
    if when is None:
        return None
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % (
        when.year, when.month, when.day, when.hour, when.minute,
        when.second)


def to_db(when):
    """Naive UTC, the form stored in database columns."""
    return None if when is None else when.replace(tzinfo=None)


def from_db(when):
    return None if when is None else when.replace(
        tzinfo=datetime.timezone.utc)


def epoch(when):
    """Whole seconds since the epoch."""
    return (when - EPOCH) // datetime.timedelta(seconds=1)


def from_epoch(seconds):
    return EPOCH + datetime.timedelta(seconds=seconds)


def window_floor(when, width):
    """Start of the UTC-aligned window of ``width`` seconds holding when."""
    return from_epoch(epoch(when) // width * width)


def utcnow():
    return parse(timeutils.utcnow(with_timezone=True))
