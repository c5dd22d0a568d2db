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
"""Input guards: the bounds a usage event keeps before it is metered.

One bad value must never stop or distort anybody else's billing (the
isolation promise), and the database is the worst place to find it: it
refuses a whole batch, or a whole window, for one value it cannot hold.
So every value is checked where it enters, by the same rules whether it
comes from a notification, a listing or a forwarded message, and an event
that breaks one is quarantined alone, with a reason naming the field.

The value and id bounds are declared per field in the definitions, with
defaults that fit every shipped meter and the storage types; the time
bounds are options of the [guards] group.
"""

import datetime
import decimal
import unicodedata

from scs_metering.common import timeutils
from scs_metering import events as ev

# Ids and names are stored in VARCHAR(255) columns (db/models.py Name).
MAX_LENGTH = 255
# Quantities are NUMERIC(40, 9): 31 digits before the point. A value of at
# most 10**18 (an exabyte in bytes, a BIGINT) times the seconds of a month
# of daily windows (2.7 * 10**6) still fits, with room for sums.
MAX_NUMBER = 10 ** 18
MIN_NUMBER = 0

_ID_FIELDS = ('resource_id', 'project_id', 'user_id', 'event_type',
              'message_id', 'publisher_id')


def _control(text):
    """The first NUL or control character in text, or None."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in ('Cc', 'Cs'):
            return index, char
    return None


def check_text(name, value, max_length=MAX_LENGTH):
    """The reason a text value is refused, or None."""
    if len(value) > max_length:
        return ('%s is %d characters long, more than the %d allowed' %
                (name, len(value), max_length))
    found = _control(value)
    if found is not None:
        return ('%s holds the control character %r at position %d' % (
            name, found[1], found[0]))
    return None


def check_number(name, value, minimum=MIN_NUMBER, maximum=MAX_NUMBER):
    """The reason a number is refused, or None."""
    if minimum is not None and value < minimum:
        return '%s is %s, less than the minimum %s' % (name, value, minimum)
    if maximum is not None and value > maximum:
        return '%s is %s, more than the maximum %s' % (name, value, maximum)
    return None


def check_value(name, value, minimum=MIN_NUMBER, maximum=MAX_NUMBER,
                max_length=MAX_LENGTH):
    """The reason a converted field value is refused, or None."""
    if isinstance(value, str):
        return check_text(name, value, max_length)
    if isinstance(value, (int, decimal.Decimal)) and not isinstance(
            value, bool):
        return check_number(name, value, minimum, maximum)
    return None


class EventGuard:
    """Checks whole events: ids, volumes and times.

    Field guards catch most bad values with the field's own name; this
    check holds for every event whatever built it (a listing, a forwarded
    message from an older agent), and adds what one field cannot know:
    the time bounds and how many windows an event reaches back over.
    """

    def __init__(self, definitions, metering_start=None, horizon_days=None,
                 clock_skew=None, max_windows=None, clock=None):
        # Without options (tools and tests that convert archived samples)
        # only the values are guarded, not the times: the services build
        # their guard with from_conf().
        self.definitions = definitions
        self.metering_start = metering_start
        self.horizon = (None if horizon_days is None
                        else datetime.timedelta(days=horizon_days))
        self.skew = (None if clock_skew is None
                     else datetime.timedelta(seconds=clock_skew))
        self.max_windows = max_windows
        self.clock = clock or timeutils.utcnow

    @classmethod
    def from_conf(cls, conf, definitions, clock=None):
        return cls(definitions,
                   metering_start=timeutils.parse(
                       conf.engine.metering_start),
                   horizon_days=conf.guards.event_horizon,
                   clock_skew=conf.guards.clock_skew,
                   max_windows=conf.guards.max_windows_per_event,
                   clock=clock)

    def earliest(self, now):
        """The earliest event time accepted now, or None."""
        if self.metering_start is not None:
            return self.metering_start
        return None if self.horizon is None else now - self.horizon

    def reason(self, event, now=None):
        """Why the event cannot be metered, or None if it can."""
        now = now or self.clock()
        for name in _ID_FIELDS:
            value = getattr(event, name)
            if isinstance(value, str):
                found = check_text(name, value)
                if found:
                    return found
        if event.volume is not None:
            found = check_number('volume of %s' % event.meter, event.volume)
            if found:
                return found
        for meter in self.definitions.meters_for(event.resource_type):
            if isinstance(meter.volume, str):
                value = (event.attributes or {}).get(meter.volume)
                found = check_value(meter.volume, value)
                if found:
                    return found
        return self._time_reason(event, now)

    def _time_reason(self, event, now):
        latest = None if self.skew is None else now + self.skew
        earliest = self.earliest(now)
        for name in ('time', 'time_min', 'time_max'):
            when = getattr(event, name)
            if when is None:
                continue
            if latest is not None and when > latest:
                return ('%s %s is in the future: later than now plus the '
                        'allowed clock skew (%s)' % (
                            name, timeutils.isoformat(when),
                            timeutils.isoformat(latest)))
            if earliest is not None and when < earliest:
                return ('%s %s is before the earliest time metered (%s, '
                        '%s)' % (name, timeutils.isoformat(when),
                                 timeutils.isoformat(earliest),
                                 'metering_start' if self.metering_start
                                 else 'the event horizon'))
        if (latest is not None and event.started_at is not None and
                event.started_at > latest):
            return ('started_at %s is in the future' %
                    timeutils.isoformat(event.started_at))
        widths = [m.window for m in
                  self.definitions.meters_for(event.resource_type)]
        if widths and self.max_windows is not None:
            width = min(widths)
            windows = (now - event.time) // datetime.timedelta(
                seconds=width)
            if windows > self.max_windows:
                return ('time %s reaches back over %d windows of %d '
                        'seconds, more than the %d one event may open' % (
                            timeutils.isoformat(event.time), windows,
                            width, self.max_windows))
        return None

    def split(self, batch, service=None, now=None):
        """(events kept, quarantine entries of the events refused)."""
        now = now or self.clock()
        kept, refused = [], []
        for event in batch:
            found = self.reason(event, now)
            if found is None:
                kept.append(event)
            else:
                refused.append(quarantine_event(event, found, service))
        return kept, refused


def quarantine_event(event, reason, service=None):
    """The quarantine entry of one event, its wire form as the raw text."""
    return ev.Quarantined(
        reason=reason, raw=ev.raw_text(event.to_wire()), service=service,
        event_type=clip(event.event_type),
        publisher_id=clip(event.publisher_id),
        message_id=clip(event.message_id))


def clip(value, max_length=MAX_LENGTH):
    """A header text that any quarantine entry can hold.

    A bad message is quarantined with its own event type and ids so an
    operator can find it; those may be what is wrong with it, so they are
    cut to the column's length and their control characters escaped.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        value = repr(value)
    if _control(value) is not None:
        value = ''.join(
            c if unicodedata.category(c) not in ('Cc', 'Cs')
            else c.encode('unicode_escape', 'backslashreplace').decode(
                'ascii') for c in value)
    return value[:max_length]
