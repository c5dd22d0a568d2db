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
"""The window a rule sums its metric over.

``billing_period``
    The project's current billing period, to date: it starts on the
    subscription's anchor day in its time zone (``rating.periods``), so
    a monthly budget resets when the customer's invoice period does.
``rolling``
    The last ``duration`` before the snapshot's time, such as ``P7D`` or
    ``PT1H``: an ISO 8601 duration of weeks, days, hours, minutes and
    seconds. Months and years are refused, since they have no fixed
    length; use ``billing_period`` for a month.
``lifetime``
    Everything metered for the project, up to the snapshot's time: a
    trial's allowance, say.

Every window ends at the snapshot's ``as_of`` (the end of the last
closed usage window), never at the wall clock, so that one snapshot
always gives one value.
"""

import dataclasses
import datetime
import re

from scs_metering.common import timeutils
from scs_metering.rating import periods
from scs_metering.throttling import errors

BILLING_PERIOD = 'billing_period'
ROLLING = 'rolling'
LIFETIME = 'lifetime'
TYPES = (BILLING_PERIOD, ROLLING, LIFETIME)
MAX_ROLLING = datetime.timedelta(days=366)

_DURATION = re.compile(r'^P(?:(\d+)W)?(?:(\d+)D)?'
                       r'(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$')
_SECONDS = (7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text):
    """Whole seconds of an ISO 8601 duration such as P7D or PT1H30M."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None or text in ('P', 'PT'):
        raise ValueError('a duration is ISO 8601 weeks, days, hours, '
                         'minutes and seconds, such as "P7D" or "PT1H", '
                         'not %r' % (text,))
    return sum(int(part or 0) * factor
               for part, factor in zip(match.groups(), _SECONDS))


@dataclasses.dataclass(frozen=True)
class Window:
    """One of TYPES; ``seconds`` is a rolling window's length."""

    type: str
    seconds: int = None
    duration: str = None

    def bounds(self, as_of, cycle):
        """The half-open UTC Period the metric is summed over.

        ``cycle`` is the project's BillingCycle; only billing_period
        windows read it.
        """
        if self.type == BILLING_PERIOD:
            return periods.Period(cycle.period(as_of).start, as_of)
        if self.type == ROLLING:
            return periods.Period(
                as_of - datetime.timedelta(seconds=self.seconds), as_of)
        return periods.Period(timeutils.EPOCH, as_of)

    def document(self):
        doc = {'type': self.type}
        if self.type == ROLLING:
            doc['duration'] = self.duration
        return doc


def parse_window(document, path='window'):
    if not isinstance(document, dict):
        raise errors.RuleError(path, 'an object such as {"type": '
                               '"billing_period"} is required')
    kind = document.get('type')
    allowed = {'type', 'duration'} if kind == ROLLING else {'type'}
    unknown = sorted(set(document) - allowed)
    if kind not in TYPES:
        raise errors.RuleError(errors.join(path, 'type'), 'one of %s is '
                               'required, not %r' % (', '.join(TYPES), kind))
    if unknown:
        raise errors.RuleError(errors.join(path, unknown[0]),
                               'unknown field for a %s window' % kind)
    if kind != ROLLING:
        return Window(kind)
    here = errors.join(path, 'duration')
    try:
        seconds = parse_duration(document.get('duration'))
    except ValueError as exc:
        raise errors.RuleError(here, str(exc))
    if not 0 < seconds <= MAX_ROLLING.total_seconds():
        raise errors.RuleError(here, 'must be longer than 0 and at most '
                               '366 days')
    return Window(kind, seconds, document['duration'])
