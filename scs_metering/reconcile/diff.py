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
"""What a listing says the engine missed, as ordinary usage events.

Pure functions: a listed resource and the engine's view of it go in,
events with provenance "reconciliation" and their time bounds come out.
An event's id depends only on the fact it states, so the same listing
reconciled twice yields the same ids and counts once.

Times: ``time_min``/``time_max`` bound the true time of an event. Where
the API dates the fact (a creation, a server's deletion) both equal the
time; otherwise they span what the metering can prove.
"""

import json

from scs_metering.common import timeutils
from scs_metering.conf import reconciliation as conf_reconciliation
from scs_metering import events as ev

MATCHED = 'matched'
CREATED = 'missed_create'
DELETED = 'missed_delete'
DRIFT = 'drift'
CONFLICT = 'conflict'


def billed_time(policy, low, high):
    """The billed time of a fact known to lie in [low, high]."""
    if policy == conf_reconciliation.FIRST_MISSING:
        return high
    if policy == conf_reconciliation.MIDPOINT:
        return timeutils.from_epoch((timeutils.epoch(low) +
                                     timeutils.epoch(high)) // 2)
    return low


def _event(resource_type, observed_or_tracked, action, time, fact,
           time_min, time_max, attributes, started_at=None):
    source = observed_or_tracked
    return ev.Event(
        id=ev.stable_id('reconciliation', resource_type, source.resource_id,
                        action, *fact),
        resource_type=resource_type, resource_id=source.resource_id,
        action=action, time=time, project_id=source.project_id,
        user_id=source.user_id, started_at=started_at,
        attributes=attributes, provenance=ev.RECONCILIATION,
        time_min=time_min, time_max=time_max,
        event_type='reconciliation.%s' % action)


def _attributes(observed, tracked):
    """The tracked snapshot, overridden by what the listing says.

    A listing may know fewer attributes than the notifications (or not
    know one, e.g. a deleted flavor's id): those keep their tracked value.
    """
    merged = dict(tracked.attributes or {}) if tracked else {}
    merged.update((k, v) for k, v in observed.attributes.items()
                  if v is not None)
    return merged


def _differs(observed, tracked):
    if observed.project_id != tracked.project_id:
        return True
    if observed.user_id and observed.user_id != tracked.user_id:
        return True
    known = tracked.attributes or {}
    return any(v is not None and known.get(k) != v
               for k, v in observed.attributes.items())


def created(resource_type, observed, tracked, listed_at):
    """A life the engine never saw begin.

    Where the API dates the start exactly, the life is billed from then.
    Nova moves a server's launch time on resize, so its start is only
    known to lie between its creation and the listed launch, and the
    later is billed. Where the API only bounds the start (cinder stamps
    the request, before the volume is available), the life is billed
    from this listing, the first time it is seen, and never from a time
    that no one saw it usable; the bounds say how early it may have been.
    """
    born = observed.born_at
    if observed.started_at is not None:
        when = observed.started_at
        born = min(born, when)
        fact = (timeutils.isoformat(born), timeutils.isoformat(when))
    else:
        # The same life listed again yields the same fact, whenever.
        when = max(born, listed_at)
        fact = (timeutils.isoformat(born), 'seen')
    return _event(resource_type, observed, ev.CREATE, when, fact, born,
                  when, _attributes(observed, tracked), started_at=when)


def created_before(resource_type, observed, tracked, start_moves):
    """A life first heard of late, from an event backdated to its start.

    The engine then bills its start with a snapshot taken later: what it
    was before that first event is not known, and the bounds say so.
    Where the API's start moves during a life (nova's launch time, on
    resize and rebuild) the server started between its creation and the
    start the engine has; it is billed from its creation, at most the
    build time too early, where keeping the late start would drop
    everything before the resize. Elsewhere the start the engine has,
    the first time the life was heard of, stays billed.
    """
    born = min(observed.born_at, tracked.started_at)
    known = max(tracked.first_known or tracked.started_at,
                tracked.started_at)
    when = born if start_moves else tracked.started_at
    return _event(resource_type, observed, ev.CREATE, when,
                  (timeutils.isoformat(born), 'before',
                   timeutils.isoformat(known)), born, known,
                  _attributes(observed, tracked), started_at=when)


def deleted(resource_type, tracked, low, high, policy):
    """An end that no API dated: between ``low`` and ``high``."""
    when = billed_time(policy, low, high)
    return _event(resource_type, tracked, ev.DELETE, when,
                  (timeutils.isoformat(tracked.started_at),), low, high,
                  dict(tracked.attributes or {}))


def compare(resource_type, observed, tracked, listed_at, policy,
            start_moves=False):
    """Classify one listed, live resource; return (kind, events).

    First-hand evidence is never moved: a life that a create notification
    opened keeps its start, whatever the API says of it. The API's time
    counts only where no notification dated the start.
    """
    if tracked is None or (not tracked.active and tracked.ended_at is None):
        return CREATED, [created(resource_type, observed, tracked,
                                 listed_at)]
    if not tracked.active:
        if observed.born_at > tracked.ended_at:
            # Deleted, then created again under the same id.
            return CREATED, [created(resource_type, observed, tracked,
                                     listed_at)]
        if tracked.ended_at > listed_at:
            # Deleted after its page was fetched: the listing is stale.
            return MATCHED, []
        # The API shows a life the engine has ended: a wrong delete, or
        # a resource being deleted that is still listed. Reported, never
        # guessed at.
        return CONFLICT, []
    known_alive = tracked.known_alive
    if known_alive is not None and observed.born_at > known_alive:
        # A new life under the same id: the old one ended in between.
        return CREATED, [
            deleted(resource_type, tracked, known_alive, observed.born_at,
                    policy),
            created(resource_type, observed, tracked, listed_at)]
    found = []
    exact = observed.started_at
    if tracked.started_at is None:
        found.append(created(resource_type, observed, tracked, listed_at))
    elif not tracked.opened_by_create:
        if exact is not None and exact < tracked.started_at:
            # Its create was missed and a later event opened it late.
            found.append(created(resource_type, observed, tracked,
                                 listed_at))
        elif exact is None or start_moves:
            found.append(created_before(resource_type, observed, tracked,
                                        start_moves))
    if _differs(observed, tracked):
        found.append(drifted(resource_type, observed, tracked, listed_at))
        return DRIFT, found
    return (CREATED if found else MATCHED), found


def drifted(resource_type, observed, tracked, listed_at):
    """A change the notifications missed, dated by ``updated_at``.

    It happened after the tracked state was last known and no later than
    the listing; ``updated_at`` is the last change the API knows of, so
    the billable one happened at or before it.
    """
    low = min(tracked.known_alive or observed.born_at, listed_at)
    high = listed_at
    updated = observed.updated_at
    if updated is not None and low <= updated <= high:
        high = updated
    attributes = _attributes(observed, tracked)
    fact = (timeutils.isoformat(low), timeutils.isoformat(high),
            observed.project_id,
            json.dumps(attributes, sort_keys=True, default=str))
    return _event(resource_type, observed, ev.UPDATE, high, fact, low, high,
                  attributes)


def exact_delete(resource_type, observed, tracked):
    """A deletion the API dates itself (nova's deleted servers).

    A life the engine already knows from its own events keeps them: only
    a life it knows nothing of, or of which it heard the delete alone,
    is told from the listing.
    """
    when = observed.deleted_at
    start = observed.started_at
    if start is None or start >= when:
        return MATCHED, []  # never launched: nothing to bill
    found = []
    if tracked is None or (not tracked.active and tracked.ended_at is None):
        # Neither create nor delete was seen: the whole life is missing.
        found.append(created(resource_type, observed, tracked, when))
    elif not tracked.active:
        if (tracked.opened_by_create or tracked.ended_at != when or
                tracked.first_known != when):
            return MATCHED, []  # already ended, and known before its end
        # Only its delete was heard of: the life it tells is dated, but
        # the delete's snapshot is the dead server's; the listing's state
        # of a live one replaces it.
        return CREATED, [created(resource_type, observed, tracked, when)]
    elif tracked.started_at is not None and tracked.started_at > when:
        return MATCHED, []  # the delete of an earlier life
    found.append(_event(resource_type, observed, ev.DELETE, when,
                        (timeutils.isoformat(when),), when, when,
                        _attributes(observed, tracked),
                        started_at=start))
    return DELETED, found
