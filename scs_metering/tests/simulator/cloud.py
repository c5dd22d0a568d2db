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
"""The state of a simulated cloud, and its ground truth.

A TEST TOOL: scs-metering never talks to it in production. The workload
changes resources here; the API server lists them; the notifier tells
about them. Ground truth is kept apart, as a plain list of intervals per
resource written as the changes happen, so that what the metering
computes can be checked against something it did not compute.
"""

import dataclasses
import datetime
import random
import threading
import uuid

from scs_metering.common import timeutils


class Clock:
    """Simulated time: starts where asked, moves only when told."""

    def __init__(self, start):
        self._now = timeutils.parse(start)
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            return self._now

    def advance(self, seconds):
        with self._lock:
            self._now += datetime.timedelta(seconds=seconds)
            return self._now


@dataclasses.dataclass
class Resource:
    resource_type: str
    resource_id: str
    project_id: str
    user_id: str
    # Creation request, and start of billing (a server's launch).
    created_at: datetime.datetime
    launched_at: datetime.datetime
    updated_at: datetime.datetime
    attributes: dict
    deleted_at: datetime.datetime = None
    name: str = None


@dataclasses.dataclass
class Interval:
    """Ground truth: a resource held ``attributes`` over [start, end)."""

    start: datetime.datetime
    end: datetime.datetime
    attributes: dict
    project_id: str


class Cloud:
    """Resources by type; deleted ones are kept, as nova keeps them."""

    def __init__(self, clock, projects, user_id='0fa1c0de0fa1c0de', seed=0):
        self.clock = clock
        # Ids too derive from the seed, so that a seed replays a day.
        self.random = random.Random(seed)
        self.projects = list(projects)
        self.user_id = user_id
        self.resources = {}
        self.truth = {}
        self.lock = threading.RLock()

    def uuid(self):
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def live(self, resource_type):
        with self.lock:
            return [r for r in self.resources.get(resource_type, {}).values()
                    if r.deleted_at is None]

    def all(self, resource_type):
        with self.lock:
            return list(self.resources.get(resource_type, {}).values())

    def create(self, resource_type, project_id, attributes, build=0,
               resource_id=None):
        """A resource requested now, billable once built ``build`` s on."""
        now = self.clock.now()
        launched = now + datetime.timedelta(seconds=build)
        resource_id = resource_id or self.uuid()
        resource = Resource(
            resource_type=resource_type, resource_id=resource_id,
            project_id=project_id, user_id=self.user_id, created_at=now,
            launched_at=launched, updated_at=launched,
            attributes=dict(attributes),
            name='%s-%s' % (resource_type, resource_id[:8]))
        with self.lock:
            self.resources.setdefault(resource_type, {})[
                resource.resource_id] = resource
            self.truth.setdefault(
                (resource_type, resource.resource_id), []).append(
                Interval(launched, None, dict(attributes), project_id))
        return resource

    def update(self, resource, relaunch=False, **attributes):
        """Change attributes now.

        ``relaunch`` moves the launch time, as nova does on resize.
        """
        now = self.clock.now()
        with self.lock:
            resource.attributes.update(attributes)
            resource.updated_at = now
            if relaunch:
                resource.launched_at = now
            self._cut((resource.resource_type, resource.resource_id), now,
                      Interval(now, None, dict(resource.attributes),
                               resource.project_id))

    def delete(self, resource):
        now = self.clock.now()
        with self.lock:
            resource.deleted_at = now
            resource.updated_at = now
            resource.attributes['state'] = 'deleted'
            self._cut((resource.resource_type, resource.resource_id), now,
                      None)

    def _cut(self, key, when, following):
        intervals = self.truth[key]
        intervals[-1].end = when
        if intervals[-1].end <= intervals[-1].start:
            intervals.pop()
        if following is not None:
            intervals.append(following)


def truth_quantity(intervals, meter, start, end):
    """Ground truth of a lifecycle meter over [start, end): an integer.

    Deliberately naive: each interval's overlap in seconds, times the
    meter's volume when the interval's state is billable.
    """
    total = 0
    for interval in intervals:
        low = max(interval.start, start)
        high = min(interval.end or end, end)
        if high <= low or not meter.billable(interval.attributes.get(
                'state')):
            continue
        volume = (meter.volume if isinstance(meter.volume, int)
                  else interval.attributes.get(meter.volume))
        if volume is None:
            continue
        total += int((high - low).total_seconds()) * int(volume)
    return total
