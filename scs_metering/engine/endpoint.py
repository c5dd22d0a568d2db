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
"""The batch endpoint of the internal topic."""

from oslo_log import log
import oslo_messaging

from scs_metering.common import timeutils
from scs_metering.engine import isolation
from scs_metering import events
from scs_metering import metrics

LOG = log.getLogger(__name__)

# What a forwarded message that is not one of an agent's raises.
INVALID = (KeyError, TypeError, events.InvalidEvent)


def decode_payload(payload):
    """Events and quarantine entries of a forwarded payload; or INVALID."""
    found = [events.Event.from_wire(e) for e in payload['events']]
    kept = [events.Quarantined.from_wire(q) for q in payload['quarantined']]
    return found, kept


def decode(message):
    """Events and quarantine entries of one forwarded message."""
    try:
        return decode_payload(message['payload'])
    except INVALID as exc:
        # A bug or a foreign publisher; keep it rather than lose it.
        return [], [events.Quarantined(
            reason='invalid internal message: %s' % exc,
            raw=events.raw_text(message))]


def heartbeat(message):
    """(host, binary, started_at, time, info) of an agent's heartbeat.

    None when the message carries none; ValueError when it is malformed.
    """
    payload = message.get('payload')
    beat = payload.get('heartbeat') if isinstance(payload, dict) else None
    if beat is None:
        return None
    try:
        host, binary = beat['host'], beat['binary']
        started_at, when = (timeutils.parse(beat[name])
                            for name in ('started_at', 'time'))
        if not (isinstance(host, str) and isinstance(binary, str) and
                started_at and when):
            raise TypeError('host, binary, started_at and time are needed')
        return host, binary, started_at, when, dict(beat.get('info') or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError('invalid heartbeat from %s: %s' % (
            message.get('publisher_id'), exc))


class EventsEndpoint:
    """Stores each batch in one transaction, then lets it be acked."""

    def __init__(self, ingestor):
        self.ingestor = ingestor

    def info(self, messages):
        decoded = [decode(m) for m in messages]
        try:
            self._store(decoded)
        except Exception as exc:
            if self.ingestor.connection.transient(exc):
                LOG.exception('Storing %d messages failed; requeued',
                              len(messages))
                return oslo_messaging.NotificationResult.REQUEUE
            # Something in the batch the database refuses: only the
            # notifications at fault are quarantined (engine/isolation.py).
            LOG.warning('The database refused a batch of %d messages (%s); '
                        'isolating the notifications at fault',
                        len(messages), isolation.reason_of(exc))
            parts = [unit for (found, kept), message in zip(decoded, messages)
                     for unit in isolation.units(_service(message), found,
                                                 kept)]
            try:
                refused = isolation.store(
                    self._store_part, self.ingestor.connection.transient,
                    parts, exc)
            except Exception:
                LOG.exception('Storing failed again; requeued')
                return oslo_messaging.NotificationResult.REQUEUE
            for unit, _reason in refused:
                metrics.inc('scs_metering_engine_refused',
                            service=unit.service or 'unknown')
        self._beat(messages)
        return oslo_messaging.NotificationResult.HANDLED

    def _beat(self, messages):
        # Liveness, not usage: a heartbeat that cannot be stored is logged
        # and the next one, ten seconds later, tries again.
        for message in messages:
            try:
                beat = heartbeat(message)
                if beat is not None:
                    host, binary, started_at, when, info = beat
                    self.ingestor.connection.beat(host, binary, started_at,
                                                  info, now=when)
            except Exception as exc:
                LOG.warning('Agent heartbeat not stored: %s', exc)

    def _store(self, decoded):
        found = [e for evs, _ in decoded for e in evs]
        kept = [q for _, qs in decoded for q in qs]
        _count(self.ingestor.store(found, kept), found)

    def _store_part(self, found, kept):
        _count(self.ingestor.store(found, kept), found)


def _service(message):
    payload = message.get('payload') if isinstance(message, dict) else None
    service = payload.get('service') if isinstance(payload, dict) else None
    return service if isinstance(service, str) else None


def _count(result, found):
    metrics.inc('scs_metering_events_applied', result.stored)
    metrics.inc('scs_metering_events_duplicate', result.duplicates)
    metrics.inc('scs_metering_quarantine_stored', result.quarantined)
    now = timeutils.utcnow()
    for event in found:
        metrics.observe('scs_metering_engine_ingest_delay_seconds',
                        (now - event.time).total_seconds())
