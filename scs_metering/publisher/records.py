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
"""The records pushed to sinks, besides the usage records of windows.

Every record has a stable id and a revision; revision n > 1 replaces
revision n - 1 of the same id. Usage records are engine.usage.Record;
lifecycle records say that a resource started, changed or ended.
"""

import dataclasses
import datetime

# Record kinds, as sinks filter them and formats name them.
USAGE = 'usage'
STARTED = 'started'
CHANGED = 'changed'
ENDED = 'ended'
LIFECYCLE_KINDS = (STARTED, CHANGED, ENDED)
KINDS = (USAGE,) + LIFECYCLE_KINDS


@dataclasses.dataclass(frozen=True)
class LifecycleRecord:
    """A resource started, changed or ended at ``time``.

    ``attributes``, ``project_id`` and ``user_id`` are the resource's
    billable state from then on (before the end, for ``ended``).
    ``time_min``/``time_max`` bound an inferred time. A ``voided``
    revision withdraws the fact: later events showed it did not happen.
    """

    id: str
    kind: str
    resource_type: str
    resource_id: str
    project_id: str
    user_id: str
    time: datetime.datetime
    attributes: dict
    provenance: str
    time_min: datetime.datetime = None
    time_max: datetime.datetime = None
    voided: bool = False
    revision: int = None
    replaces: int = None
    created_at: datetime.datetime = None

    def same_fact(self, other):
        """True if a new revision would tell nothing new."""
        fields = ('kind', 'project_id', 'user_id', 'time', 'attributes',
                  'provenance', 'time_min', 'time_max', 'voided')
        return all(getattr(self, f) == getattr(other, f) for f in fields)


def kind_of(record):
    return getattr(record, 'kind', USAGE)
