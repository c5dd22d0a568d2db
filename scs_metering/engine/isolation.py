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
"""Finding, in a batch the database refuses, the messages at fault.

A batch is stored in one transaction for speed. When the database refuses
it for something in it (a value it cannot hold, a character it cannot
store), storing message by message would still lose every valid event
that an agent forwarded in the same message as the bad one. So the batch
is split in halves until each refused part is a single notification's
events, and only that part is quarantined: with the database's own reason
and its service, so that an operator sees what was wrong and where it came
from, and a retry meters it once the cause is dealt with.

A notification's events (several samples of one CADF event, say) stay
together, so a notification is never billed in part.
"""

import collections
import json

from oslo_log import log

from scs_metering.definitions import guards
from scs_metering import events as ev

LOG = log.getLogger(__name__)


class Unit:
    """What is stored or quarantined together: one notification."""

    def __init__(self, service, found=(), kept=()):
        self.service = service
        self.events = list(found)
        self.quarantined = list(kept)

    def quarantine(self, reason):
        """The entry that keeps this unit aside, with the given reason."""
        if self.events:
            first = self.events[0]
            raw = json.dumps({'service': self.service,
                              'events': [e.to_wire() for e in self.events]},
                             sort_keys=True)
            return ev.Quarantined(
                reason=reason, raw=raw, service=self.service,
                event_type=guards.clip(first.event_type),
                publisher_id=guards.clip(first.publisher_id),
                message_id=guards.clip(first.message_id))
        # A quarantine entry the database refuses: keep its text escaped,
        # and both reasons.
        entry = self.quarantined[0]
        return ev.Quarantined(
            reason='%s; %s' % (entry.reason, reason),
            raw=json.dumps(entry.raw), service=guards.clip(entry.service),
            event_type=guards.clip(entry.event_type),
            publisher_id=guards.clip(entry.publisher_id),
            message_id=guards.clip(entry.message_id))


def units(service, found, kept):
    """The units of one forwarded message.

    Events of one notification share its message_id; one without a
    message_id (an archived sample) is a unit of its own.
    """
    grouped = collections.OrderedDict()
    for event in found:
        key = event.message_id or event.id
        grouped.setdefault(key, []).append(event)
    result = [Unit(service, evs) for evs in grouped.values()]
    result += [Unit(service, kept=[q]) for q in kept]
    return result


def reason_of(exc):
    """The database's reason, on one line, without the statement."""
    text = str(getattr(exc, 'orig', None) or exc).strip()
    first = text.splitlines()[0] if text else exc.__class__.__name__
    return 'refused by the database: %s' % first[:500]


def store(store_one, transient, parts, failure):
    """Store units the database refused as a whole with ``failure``.

    Each unit it refuses alone is quarantined alone. store_one(found, kept)
    stores in one transaction; transient(exc) says whether a failure says
    nothing about the data, and such a failure is raised, for a retry of
    the whole batch. Returns the units refused, with their reasons.
    """
    refused = []
    pending = [(list(parts), failure)]
    while pending:
        chunk, exc = pending.pop()
        if exc is None:
            try:
                store_one([e for u in chunk for e in u.events],
                          [q for u in chunk for q in u.quarantined])
                continue
            except Exception as error:
                if transient(error):
                    raise
                exc = error
        if len(chunk) > 1:
            half = len(chunk) // 2
            pending += [(chunk[half:], None), (chunk[:half], None)]
            continue
        unit, reason = chunk[0], reason_of(exc)
        LOG.error('Quarantining a %s notification the database refuses: '
                  '%s', unit.service, reason)
        store_one([], [unit.quarantine(reason)])
        refused.append((unit, reason))
    return refused
