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
"""Replaying archived notifications through the agent and engine code.

Backfills and audits read old traffic from JSON-lines files: one
oslo.messaging message per line, enveloped or inner. Each message goes
through the same converter as the notification agent and the same ingest
as the engine, into the configured database; windows are then closed and
delivered to the sinks, exactly as in service.
"""

import collections
import dataclasses
import datetime
import decimal
import uuid

from oslo_log import log

from scs_metering.agent import converter as converter_mod
from scs_metering.agent import envelope
from scs_metering.common import timeutils
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering.engine import isolation
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import delivery

LOG = log.getLogger(__name__)

BATCH = 500


class Replay:

    def __init__(self, connection, definitions, conf):
        self.conf = conf
        self.connection = connection
        self.definitions = definitions
        self.converter = converter_mod.Converter(definitions)
        self.ingestor = ingest.Ingestor(connection)
        self.counts = collections.Counter()
        self.last_event = None
        self.resource_types = set()

    def _store(self, found, kept):
        result = self.ingestor.store(found, kept)
        self.counts['events stored'] += result.stored
        self.counts['duplicates skipped'] += result.duplicates
        self.counts['quarantined'] += result.quarantined

    def _flush(self, outcome):
        try:
            self._store(outcome.events, outcome.quarantined)
        except Exception as exc:
            if self.connection.transient(exc):
                raise
            # As in the engine (engine/isolation.py): only the
            # notifications the database refuses are quarantined.
            LOG.warning('The database refused a batch (%s); isolating the '
                        'notifications at fault', isolation.reason_of(exc))
            types = self.definitions.resource_types
            by_service = {}
            for event in outcome.events:
                by_service.setdefault(types[event.resource_type].service,
                                      []).append(event)
            parts = [u for service, found in sorted(by_service.items())
                     for u in isolation.units(service, found, [])]
            parts += [u for q in outcome.quarantined
                      for u in isolation.units(q.service, [], [q])]
            isolation.store(self._store, self.connection.transient, parts,
                            exc)
        self.counts['ignored'] += outcome.ignored
        for event in outcome.events:
            self.resource_types.add(event.resource_type)
            if self.last_event is None or event.time > self.last_event:
                self.last_event = event.time

    def ingest(self, lines, source='replay'):
        outcome = converter_mod.Outcome()
        pending = 0
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            self.counts['messages'] += 1
            try:
                if isinstance(line, bytes):
                    # One line that is not UTF-8 is quarantined alone,
                    # its bytes kept; the run goes on.
                    problem = ev.undecodable(line)
                    if problem:
                        raise envelope.MalformedMessage(problem)
                    line = line.decode('utf-8')
                message = envelope.parse(line)
            except envelope.MalformedMessage as exc:
                outcome.quarantined.append(self.converter.quarantine(
                    None, line, '%s line %d: %s' % (source, number, exc)))
            else:
                service = self.converter.service_of(message)
                self.converter.convert(service or 'unknown', message,
                                       outcome)
            pending += 1
            if pending >= BATCH:
                self._flush(outcome)
                outcome, pending = converter_mod.Outcome(), 0
        self._flush(outcome)

    def default_until(self):
        """End of the widest window holding the last replayed event.

        Only meters of the resources replayed count: a nova trace closes
        hourly windows even though images have daily ones.
        """
        if self.last_event is None:
            return None
        width = max((m.window for m in self.definitions.meters.values()
                     if m.resource_type in self.resource_types),
                    default=3600)
        return timeutils.window_floor(self.last_event, width) + (
            datetime.timedelta(seconds=width))

    def close_and_deliver(self, until, settle=True):
        """Close windows up to ``until`` and deliver their records.

        With ``settle``, as in service, a window of a reconciled type
        closes only once a successful reconciliation run covered its end:
        otherwise each correction the reconciler makes later would be a
        second revision of a record already published. Returns {type:
        time} of the reconciled types held back before ``until``. As in
        service too, no window before ``[engine] metering_start``.
        """
        settled = windows.coverage(self.conf, self.connection) if (
            settle) else None
        closer = windows.WindowCloser(
            self.connection, self.definitions, settled=settled,
            start=timeutils.parse(self.conf.engine.metering_start))
        self.counts['usage records'] += closer.run(until=until)
        deliverer = delivery.Deliverer(self.conf, self.connection,
                                       owner='replay-%s' % uuid.uuid4())
        try:
            self.counts['records delivered'] += deliverer.run_once()
        finally:
            # The next replay into this database delivers too.
            deliverer.release()
            deliverer.close()
        if settled is None:
            return {}
        return {t: when for t, when in settled().items() if when < until}


def _meter_again(converter, entry):
    """(events, quarantine entries) of a quarantined message, or its reason.

    A message the engine refused was forwarded by an agent and carries
    its events; any other is a notification, converted again. Either way
    the events pass the converter's guard, as new input would.
    """
    try:
        message = envelope.parse(entry['raw'])
    except envelope.MalformedMessage as exc:
        return str(exc)
    payload = message.get('payload')
    if isinstance(payload, dict) and 'events' in payload:
        try:
            found = endpoint.decode_payload(payload)
        except endpoint.INVALID as exc:
            return 'invalid internal message: %s' % exc
        now = converter.guard.clock()
        for event in found[0]:
            refused = converter.guard.reason(event, now)
            if refused:
                return refused
        return found
    outcome = converter_mod.Outcome()
    service = entry['service'] or converter.service_of(message) or 'unknown'
    converter.convert(service, message, outcome)
    if outcome.quarantined:
        return outcome.quarantined[0].reason
    return outcome.events, []


@dataclasses.dataclass
class Retried:
    """What a quarantine retry did, entry by entry.

    ``metered`` holds (entry id, ids of its events) for the entries that
    left the quarantine, ``failing`` (entry id, reason) for those that
    stay; ``last_id`` is the last entry looked at when ``limit`` ended
    the retry before the end of the quarantine, else None.
    """

    counts: collections.Counter = dataclasses.field(
        default_factory=collections.Counter)
    failing: list = dataclasses.field(default_factory=list)
    metered: list = dataclasses.field(default_factory=list)
    last_id: int = None


def retry_quarantined(connection, definitions, ids=None, limit=None,
                      marker=None, guard=None, **filters):
    """Meter quarantined messages again, once what kept them out is fixed.

    The entries whose messages now become events (or are ignored on
    purpose) are stored and then leave the quarantine, a page per
    transaction; the others stay as they are. Retried again after a crash
    between the two steps, their events count once: event ids come from
    the messages. Each entry stands alone: one that cannot be parsed,
    converted or stored is reported and the others go on. Entries are
    taken in id order after ``marker``, at most ``limit`` of them, among
    ``ids`` and those matching ``filters`` (Connection.quarantined's).
    ``guard`` is the services' input guard (EventGuard.from_conf): without
    it only values are checked, and an entry quarantined for its time
    would meter. Returns a Retried.
    """
    converter = converter_mod.Converter(definitions, guard)
    ingestor = ingest.Ingestor(connection)
    report = Retried()
    left = limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        entries = connection.quarantined(size, marker, ids=ids, **filters)
        if not entries:
            return report
        marker = entries[-1]['id']
        if left is not None:
            left -= len(entries)
        parts = []
        for entry in entries:
            try:
                outcome = _meter_again(converter, entry)
            except Exception as exc:
                # Whatever one message does to the converter, the rest of
                # the quarantine is still retried.
                LOG.exception('Quarantine entry %d cannot be metered',
                              entry['id'])
                outcome = 'cannot be metered: %s' % (
                    str(exc) or exc.__class__.__name__)
            if isinstance(outcome, str):
                report.failing.append((entry['id'], outcome))
            else:
                parts.append((entry['id'],) + tuple(outcome))
        done = _store(ingestor, parts, report.counts, report.failing)
        report.counts['entries retried'] += connection.purge_quarantine(
            ids=done)
        done = set(done)
        report.metered += [(p[0], [e.id for e in p[1]]) for p in parts
                           if p[0] in done]
    if connection.quarantined(1, marker, ids=ids, **filters):
        report.last_id = marker
    return report


def _store(ingestor, parts, counts, failing):
    """Store the events of (entry id, events, entries) parts.

    The page goes in one transaction; if the database refuses it, each
    entry goes in its own, and those it refuses stay in the quarantine
    with the database's reason. Returns the ids of the entries stored.
    """
    chunks = [parts]
    done = []
    while chunks:
        chunk = chunks.pop()
        try:
            result = ingestor.store([e for p in chunk for e in p[1]],
                                    [q for p in chunk for q in p[2]])
        except Exception as exc:
            if ingestor.connection.transient(exc):
                raise
            if len(chunk) > 1:
                chunks += [[p] for p in reversed(chunk)]
            else:
                failing.append((chunk[0][0], isolation.reason_of(exc)))
            continue
        counts['events stored'] += result.stored
        counts['duplicates skipped'] += result.duplicates
        done += [p[0] for p in chunk]
    return done


def summary(records, definitions):
    """Usage per project, meter and summary group, as rows for printing."""
    totals = collections.defaultdict(decimal.Decimal)
    for record in records:
        meter = definitions.meters.get(record.meter)
        names = meter.summary_by if meter else sorted(record.attributes)
        group = ' '.join('%s=%s' % (k, record.attributes.get(k))
                         for k in names)
        totals[(record.project_id or '-', record.meter, group,
                record.unit)] += record.quantity
    return [key + (quantity,) for key, quantity in sorted(totals.items())]


def display(quantity, unit):
    """Quantities counted in seconds are shown in hours."""
    if unit == 's':
        return (quantity / 3600).quantize(decimal.Decimal('0.0001')), 'h'
    if unit.endswith('*s'):
        return ((quantity / 3600).quantize(decimal.Decimal('0.0001')),
                unit[:-2] + '*h')
    return quantity, unit


def remeter(definitions):
    """A function metering one edited message, for corrections.

    It returns the message's events, or the reason it does not meter,
    as quarantine retry would find them.
    """
    converter = converter_mod.Converter(definitions)

    def convert(text):
        outcome = _meter_again(converter, {'raw': text, 'service': None})
        return outcome if isinstance(outcome, str) else outcome[0]
    return convert
