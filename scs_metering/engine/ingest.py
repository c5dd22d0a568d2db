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
"""Storing events and keeping each resource's timeline current."""

import collections
import dataclasses
import math

from oslo_log import log

from scs_metering.db import api as db_api
from scs_metering.engine import lifecycle as lifecycle_records
from scs_metering.engine import timeline
from scs_metering import events as ev

LOG = log.getLogger(__name__)


@dataclasses.dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    refolded: int = 0


def _key_text(event):
    _time, rank, weight, event_id = timeline.order_key(event)
    return '%d:%d:%s' % (rank, weight, event_id)


def _last_key(state):
    if state.last_event_key is None:
        return None
    parts = state.last_event_key.split(':', 2)
    if len(parts) == 2:
        # Stored before events were weighed by provenance: an event of
        # the same time and rank refolds, which is always right.
        return (state.last_event_at, int(parts[0]), math.inf, parts[1])
    rank, weight, event_id = parts
    return (state.last_event_at, int(rank), int(weight), event_id)


def _fold_state(resource, periods):
    """The fold's state after every event applied so far."""
    if resource.active:
        return timeline.FoldState(timeline.ALIVE, periods[-1],
                                  resource.ended_at)
    if resource.ended_at is not None:
        return timeline.FoldState(timeline.DEAD, None, resource.ended_at)
    return timeline.FoldState()


class Ingestor:
    """Applies batches of events to the store, once each."""

    def __init__(self, connection):
        self.connection = connection

    @db_api.retry_on_conflict
    def store(self, batch, quarantined=()):
        """Store a batch in one transaction; return what it did.

        Events already stored (a duplicate delivery, a redelivery after a
        crash) are skipped, so the call is idempotent.
        """
        result = IngestResult()
        with self.connection.ingest_transaction() as tx:
            unique = {e.id: e for e in batch}
            fresh_ids = tx.new_event_ids(unique)
            fresh = [unique[i] for i in sorted(fresh_ids)]
            result.duplicates = len(batch) - len(fresh)
            result.stored = len(fresh)
            if fresh:
                self._apply(tx, fresh, result)
            result.quarantined = tx.add_quarantine(quarantined)
        return result

    def _apply(self, tx, fresh, result):
        resources = tx.resources((e.resource_type, e.resource_id)
                                 for e in fresh)
        tx.add_events(fresh, {k: r.pk for k, r in resources.items()})
        by_resource = collections.defaultdict(list)
        for event in fresh:
            by_resource[(event.resource_type, event.resource_id)].append(
                event)
        lifecycle = {key: [e for e in evs if not _of_samples(e)]
                     for key, evs in by_resource.items()}
        # A resource refolds from its whole history when an event sorts
        # before one already applied, when a notification may replace a
        # fact inferred before it came (timeline.first_hand), or when it
        # voids one; otherwise the fold just goes on.
        refold = [resources[key] for key, evs in lifecycle.items()
                  if evs and _last_key(resources[key]) is not None and
                  (min(map(timeline.order_key, evs)) <
                   _last_key(resources[key]) or
                   _may_replace(evs, resources[key]) or
                   any(e.action == ev.VOID for e in evs))]
        result.refolded = len(refold)
        history = tx.history(refold)
        stored = tx.periods([resources[k].pk for k, evs in lifecycle.items()
                             if evs])
        changes, timelines = {}, []
        for key, evs in lifecycle.items():
            if not evs:
                continue
            resource = resources[key]
            old = stored[resource.pk]
            if resource.pk in history:
                closed, state = timeline.fold(history[resource.pk])
            else:
                closed, state = timeline.fold(evs, _fold_state(resource,
                                                               old))
                closed = [p for p in old if p.end is not None] + closed
            new = timeline.periods_of(closed, state)
            _summarise(resource, evs, state, new)
            differs_from = timeline.first_difference(old, new)
            if differs_from is not None:
                changes[resource.pk] = ([p for p in old if p not in new],
                                        [p for p in new if p not in old])
                timelines.append((resource, new))
                resource.dirty_from = min(filter(None, (
                    resource.dirty_from, differs_from)))
                resource.dirty_gen += 1
        tx.replace_periods(changes)
        # Lifecycle records and their outbox entries commit with the periods.
        lifecycle_records.publish(tx, timelines)
        for key, evs in by_resource.items():
            samples = [e for e in evs if _of_samples(e)]
            if samples:
                _note_samples(resources[key], samples,
                              owner=not lifecycle[key])
        tx.update_resources([resources[k] for k in by_resource])


def _of_samples(event):
    """A sample, or the void of one (which names the sample's meter)."""
    return event.action == ev.SAMPLE or (event.action == ev.VOID and
                                         event.meter is not None)


def _may_replace(evs, resource):
    """Whether a notification may date a fact inferred before it came.

    A create, the delete of an ended life, or a notification no later
    than the last event applied: in-order traffic never refolds for it.
    """
    return any(e.provenance != ev.RECONCILIATION and (
        e.action == ev.CREATE or e.time <= resource.last_event_at or
        (e.action == ev.DELETE and not resource.active))
        for e in evs)


def _life_start(periods):
    """Start of the last life: the run of contiguous periods at the end."""
    start = None
    for period in reversed(periods):
        if start is not None and period.end != start:
            break
        start = period.start
    return start


def _summarise(resource, evs, state, periods):
    """Refresh the resource's summary from its new timeline."""
    latest = max(evs, key=timeline.order_key)
    if (_last_key(resource) is None or
            timeline.order_key(latest) > _last_key(resource)):
        resource.last_event_at = latest.time
        resource.last_event_key = _key_text(latest)
    resource.first_event_at = min(filter(None, (
        resource.first_event_at, min(e.time for e in evs))))
    resource.active = state.status == timeline.ALIVE
    resource.ended_at = state.ended_at
    if periods:
        snapshot = periods[-1].snapshot
        resource.project_id = snapshot.project_id
        resource.user_id = snapshot.user_id
        resource.attributes = dict(snapshot.attributes)
        resource.started_at = _life_start(periods)


def _note_samples(resource, samples, owner):
    """Samples change no timeline, but they change usage from their time.

    The resource is marked dirty from its earliest new sample, so that a
    sample in a closed window corrects it; the closer ignores marks in
    windows still open. A resource without lifecycle events is owned by
    the project of its latest sample.
    """
    earliest = min(e.time for e in samples)
    resource.dirty_from = min(filter(None, (resource.dirty_from, earliest)))
    resource.dirty_gen += 1
    resource.first_event_at = min(filter(None, (
        resource.first_event_at, earliest)))
    if owner:
        latest = max(samples, key=lambda e: (e.time, e.id))
        resource.project_id = latest.project_id
        resource.user_id = latest.user_id
