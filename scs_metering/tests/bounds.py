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
"""How far usage may lie from a simulated cloud's ground truth.

Shared by the reconciliation test and the resilience suite. Where the
APIs date every fact, usage after reconciliation equals the ground truth
exactly. Elsewhere it may differ by what the admin guide documents:

* the uncertainty of inferred facts: each inferred event's true time
  lies in [time_min, time_max], and at most the largest volume the
  resource had is billed for each second of that span;
* what no listing can see: a change whose notification was lost and
  which a later change replaced before the next successful listing of
  its type, and a whole life between two listings of a type that sends
  no notifications.

Every figure is for a window [start, end), in the meter's unit times
seconds, so that a test can check a resource, a window or a sum of them.
"""

import collections
import json
import re

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models

_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}')


def _seconds(low, high, start, end):
    low, high = max(low, start), min(high, end)
    return int((high - low).total_seconds()) if high > low else 0


class Bounds:
    """The allowance of each resource, from what the store and bus show.

    ``truth`` is the simulator's {(type, id): intervals}; ``lost`` the
    notifications the bus lost; ``runs`` {type: start times of the
    successful reconciliations}; ``notified`` the types whose changes are
    notified at all.
    """

    def __init__(self, connection, truth, lost, runs, notified):
        self.truth = truth
        self.runs = {t: sorted(times) for t, times in runs.items()}
        self.notified = set(notified)
        self._unseen_spans = {}
        self.spans = collections.defaultdict(list)
        with connection._reader() as session:
            for rid, low, high in session.execute(sa.select(
                    models.Resource.resource_id, models.Event.time_min,
                    models.Event.time_max).join(models.Resource).where(
                    models.Event.provenance != 'notification',
                    models.Event.time_min.is_not(None))):
                self.spans[rid].append((timeutils.from_db(low),
                                        timeutils.from_db(high)))
        # The ids a lost message names: its resource's among them.
        self.lost = collections.defaultdict(list)
        for message in lost:
            when = timeutils.parse(message['timestamp'])
            for rid in set(_UUID.findall(json.dumps(message['payload']))):
                self.lost[rid].append(when)

    def volume(self, key, meter):
        """The largest volume the resource ever had."""
        if isinstance(meter.volume, int):
            return meter.volume
        return max((i.attributes.get(meter.volume, 0)
                    for i in self.truth[key]), default=0)

    def inferred(self, key, meter, start, end):
        """Usage within the bounds of the resource's inferred facts."""
        return self.volume(key, meter) * sum(
            _seconds(low, high, start, end)
            for low, high in self.spans.get(key[1], ()))

    def invisible(self, key, meter, start, end):
        """Usage of the resource that no listing could see."""
        return self.volume(key, meter) * sum(
            _seconds(low, high, start, end)
            for low, high in self._unseen(key))

    def allowance(self, key, meter, start, end):
        return (self.inferred(key, meter, start, end) +
                self.invisible(key, meter, start, end))

    def _unseen(self, key):
        """Spans of the resource's life that no listing could see."""
        if key not in self._unseen_spans:
            self._unseen_spans[key] = tuple(self._find_unseen(key))
        return self._unseen_spans[key]

    def _find_unseen(self, key):
        resource_type, rid = key
        intervals = self.truth[key]
        if not intervals:
            return []  # created and deleted in the same second
        runs = self.runs.get(resource_type, [])
        first, last = intervals[0].start, intervals[-1].end
        if (resource_type not in self.notified and last and
                not any(first <= t < last for t in runs)):
            # Never notified and gone before any listing saw it.
            return [(i.start, i.end) for i in intervals]
        unseen = []
        for lost in self.lost.get(rid, ()):
            after = [i.start for i in intervals if i.start > lost] + [
                i.end for i in intervals if i.end and i.end > lost]
            seen = [t for t in runs if t > lost]
            # No listing came after the loss, or one came too late.
            if after and (not seen or min(after) <= min(seen)):
                unseen.append((lost, min(after)))
        return unseen
