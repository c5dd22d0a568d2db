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
"""Lifecycle records, derived from a resource's periods at ingest.

They are written in the ingest transaction that changes the periods, with
their outbox entries, so a sink hears of a start, change or end as soon
as the engine knows it. Ids depend only on the resource, the time that
identifies the fact and its kind; a late event that moves a fact stores
a new revision, and a fact that no longer holds gets a voided revision.
"""

import dataclasses

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering import events as ev
from scs_metering.publisher import filters


def _record(kind, resource_type, resource_id, anchor, period, time,
            time_min, time_max):
    snapshot = period.snapshot
    return models.LifecycleRecord(
        id=ev.stable_id('lifecycle', resource_type, resource_id,
                        timeutils.isoformat(anchor), kind),
        kind=kind, resource_type=resource_type, resource_id=resource_id,
        project_id=snapshot.project_id, user_id=snapshot.user_id,
        time=time, attributes=dict(snapshot.attributes),
        provenance=period.provenance, time_min=time_min, time_max=time_max)


def facts(resource_type, resource_id, periods):
    """Lifecycle records told by periods in time order, by id.

    Contiguous periods are one life: it starts, changes at every inner
    boundary and ends when its last period does. A life's start anchors
    its start and end records; a change is anchored at its own time.
    """
    found = {}
    life = None
    for index, period in enumerate(periods):
        following = periods[index + 1] if index + 1 < len(periods) else None
        if life is None:
            life = period.start
            record = _record(models.STARTED, resource_type, resource_id,
                             life, period, period.start, period.start_min,
                             period.start_max)
        else:
            record = _record(models.CHANGED, resource_type, resource_id,
                             period.start, period, period.start, None, None)
        found[record.id] = record
        if period.end is not None and (following is None or
                                       following.start != period.end):
            record = _record(models.ENDED, resource_type, resource_id,
                             life, period, period.end, period.end_min,
                             period.end_max)
            found[record.id] = record
            life = None
    return found


def revisions(current, fresh):
    """(record, previous revision or None) of what changed.

    ``current`` holds the stored current revisions by id, ``fresh`` the
    facts of the new periods.
    """
    changed = []
    for record_id in sorted(set(current) | set(fresh)):
        new, old = fresh.get(record_id), current.get(record_id)
        if new is None:
            if old.voided:
                continue
            new = dataclasses.replace(old, voided=True, revision=None,
                                      replaces=None, created_at=None)
        elif old is not None and new.same_fact(old):
            continue
        changed.append((new, old.revision if old else None))
    return changed


def publish(tx, timelines):
    """Store the lifecycle records of changed timelines, in ``tx``.

    ``timelines`` holds (resource state, new periods) pairs.
    """
    if not timelines:
        return
    stored = tx.current_lifecycle([r.pk for r, _periods in timelines])
    items = []
    for resource, periods in timelines:
        fresh = facts(resource.resource_type, resource.resource_id, periods)
        items.extend((record, resource.pk, previous) for record, previous
                     in revisions(stored[resource.pk], fresh))
    tx.add_lifecycle(items, filters.matching_sinks(tx.sinks))
