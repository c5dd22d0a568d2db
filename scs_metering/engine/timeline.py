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
"""A resource's billable periods, derived from its events in event time.

The fold reads events sorted by (time, action rank, provenance weight,
id), never in arrival order, so any permutation of the same events yields
the same periods.

Every lifecycle event but a delete is a snapshot of the resource: project,
user and billable attributes (its state among them). A period is an
interval over which the snapshot is constant. A delete ends the current
life; later snapshots of that life are stale and ignored, only a create
starts a new life under the same id.

First-hand evidence is never moved by an API observation: a create, a
change or a delete that reconciliation inferred from a listing gives way
to a notification of the same fact whose time lies within the inferred
event's bounds, whichever arrived first (the admin guide states the rule;
reconcile/diff.py follows it too).
"""

import dataclasses
import datetime

from scs_metering.db import models
from scs_metering import events as ev

UNBORN = 'unborn'
ALIVE = 'alive'
DEAD = 'dead'

# At equal times a resource is created before it changes and changes
# before it is deleted. A void takes no part in the fold (see fold); its
# rank only orders it among the events of its resource.
_RANK = {ev.CREATE: 0, ev.UPDATE: 1, ev.EXISTS: 1, ev.DELETE: 2,
         ev.VOID: 3}
# At equal times and ranks, first-hand evidence wins whatever the ids: a
# snapshot applied last is the one kept, a delete applied first is the
# one that ends the life. A reconciliation's create carries the state of
# a later listing; the create notification of the same moment knows the
# state at creation. An operator's correction overrules them all.
_WEIGHT = {ev.RECONCILIATION: 0, ev.AUDIT: 1, ev.NOTIFICATION: 2,
           ev.CORRECTION: 3}


def first_hand(events):
    """The events without the inferred ones that a notified one dates.

    A listing only bounds what the API does not date exactly: its create
    may be billed from the first listing that saw the resource, its
    delete from the last one that did, its change at ``updated_at``. A
    notification of the same fact (the same action; for a change, the
    same snapshot) within the inferred event's bounds says when it really
    happened, whichever of the two arrived first.
    """
    told = [e for e in events if e.provenance != ev.RECONCILIATION]
    if len(told) == len(events):
        return events

    def superseded(event):
        if event.provenance != ev.RECONCILIATION:
            return False
        low = event.time_min or event.time
        high = event.time_max or event.time
        if event.action == ev.UPDATE:
            snapshot = models.Snapshot.of(event)
            return any(e.action in (ev.UPDATE, ev.EXISTS) and
                       low <= e.time <= high and
                       models.Snapshot.of(e) == snapshot for e in told)
        return any(e.action == event.action and low <= e.time <= high
                   for e in told)
    return [e for e in events if not superseded(e)]


def order_key(event):
    weight = _WEIGHT[event.provenance]
    if event.action == ev.DELETE:
        weight = -weight
    return (event.time, _RANK[event.action], weight, event.id)


@dataclasses.dataclass
class FoldState:
    """Everything the fold carries from one event to the next."""

    status: str = UNBORN
    current: models.Period = None  # the open period while alive
    ended_at: datetime.datetime = None  # end of the last life

    @property
    def snapshot(self):
        return self.current.snapshot if self.current else None


def _open(event, start=None):
    inferred = start is not None
    return models.Period(
        start=start if inferred else event.time,
        end=None,
        snapshot=models.Snapshot.of(event),
        provenance=event.provenance,
        start_event_id=event.id,
        # A backfilled start comes from the payload's own launch time;
        # otherwise it carries the event's uncertainty, if any.
        start_min=None if inferred else event.time_min,
        start_max=None if inferred else event.time_max)


def _close(period, event):
    return dataclasses.replace(period, end=event.time,
                               end_event_id=event.id,
                               end_min=event.time_min,
                               end_max=event.time_max)


def voided(events):
    """The ids of the events that the voids among ``events`` withdraw."""
    return {e.attributes[ev.VOIDS] for e in events if e.action == ev.VOID}


def fold(events, state=None):
    """Apply lifecycle events in event-time order.

    Returns the closed periods produced and the final state; the open
    period, if any, is in the state. ``state`` continues an earlier fold
    whose events all order before these. Voided events are left out, and
    the voids with them: a void refolds its resource from its whole
    history (engine/ingest.py), which holds both, whatever their order of
    arrival.
    """
    state = state or FoldState()
    closed = []
    withdrawn = voided(events)
    kept = [e for e in events if e.action not in (ev.SAMPLE, ev.VOID) and
            e.id not in withdrawn]
    for event in sorted(first_hand(kept), key=order_key):
        if event.action == ev.DELETE:
            if state.status == ALIVE:
                closed.append(_close(state.current, event))
            elif (state.status == UNBORN and event.started_at and
                  event.started_at < event.time):
                # The delete alone tells the whole life.
                closed.append(_close(_open(event, event.started_at), event))
            state = FoldState(DEAD, None, event.time)
            continue
        if state.status == DEAD and event.action != ev.CREATE:
            continue  # a stale snapshot of a deleted life
        if state.status != ALIVE:
            backfill = (state.status == UNBORN and
                        event.action != ev.CREATE and
                        event.started_at is not None and
                        event.started_at < event.time)
            state = FoldState(ALIVE, _open(
                event, event.started_at if backfill else None),
                state.ended_at)
        elif models.Snapshot.of(event) != state.snapshot:
            closed.append(_close(state.current, event))
            state = FoldState(ALIVE, _open(event), state.ended_at)
    return [p for p in closed if p.end > p.start], state


def periods_of(closed, state):
    return closed + ([state.current] if state.current else [])


def _value_at(periods, when):
    for period in periods:
        if period.covers(when):
            return period.snapshot
    return None


def first_difference(old, new):
    """Earliest time at which two timelines bill differently, or None."""
    times = sorted({t for p in old + new for t in (p.start, p.end)
                    if t is not None})
    for when in times:
        if _value_at(old, when) != _value_at(new, when):
            return when
    # Same values everywhere: the periods can still differ in provenance or
    # uncertainty, which the usage records also carry.
    for a, b in zip(old, new):
        if a != b:
            return min(a.start, b.start)
    longer = old[len(new):] or new[len(old):]
    return longer[0].start if longer else None
