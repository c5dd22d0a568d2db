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
"""The canonical usage event: one fact about one resource at one time.

Agents produce events from notifications, reconciliation produces them from
API listings; the engine stores them and derives everything else from them.
"""

import dataclasses
import datetime
import decimal
import hashlib
import json
import uuid

from scs_metering.common import timeutils

# What an event means for its resource. A sample feeds a gauge or counter
# meter; the other actions describe the resource's lifecycle.
CREATE = 'create'
UPDATE = 'update'
EXISTS = 'exists'
DELETE = 'delete'
SAMPLE = 'sample'
# Withdraws another event of the same resource, named by its attribute
# VOIDS: an operator's correction, never a notification.
VOID = 'void'
ACTIONS = (CREATE, UPDATE, EXISTS, DELETE, SAMPLE, VOID)
VOIDS = 'voids'

# Where a fact comes from. Anything but a notification is inferred.
NOTIFICATION = 'notification'
AUDIT = 'audit'
RECONCILIATION = 'reconciliation'
# An operator's correction (scs-metering-manage, the API, the CLI); its
# message_id is the id of the correction, which keeps who, when and why.
CORRECTION = 'correction'
PROVENANCES = (NOTIFICATION, AUDIT, RECONCILIATION, CORRECTION)

_NAMESPACE = uuid.UUID('0c4e4f4e-5d0a-4b4e-9a52-7363732d6d74')
# A UUID's variant nibble (RFC 9562), by the hash's nibble in its place.
_VARIANT = {'%x' % n: '%x' % (0x8 | n & 0x3) for n in range(16)}


def stable_id(*parts):
    """A UUID that depends only on ``parts``, for idempotent writes."""
    return str(uuid.uuid5(_NAMESPACE, '\x1f'.join(str(p) for p in parts)))


def stable_ids(head, tail):
    """stable_id(*head, x, *tail) as a function of x alone.

    The window closer names a record of each of a window's resources with
    the same parts around its resource id; the hash of the parts before it
    is taken once, so each id costs one short hash. The same UUID 5 as
    stable_id, byte for byte.
    """
    prefix = hashlib.sha1(_NAMESPACE.bytes)
    prefix.update(''.join(str(p) + '\x1f' for p in head).encode())
    suffix = ''.join('\x1f' + str(p) for p in tail)

    def stable(middle):
        digest = prefix.copy()
        digest.update((str(middle) + suffix).encode())
        text = digest.hexdigest()
        # uuid.UUID(bytes=..., version=5) in text, without the object: the
        # version nibble is 5, the variant's two bits are 10.
        return '%s-%s-5%s-%s%s-%s' % (
            text[:8], text[8:12], text[13:16], _VARIANT[text[16]],
            text[17:20], text[20:32])
    return stable


def message_key(message):
    """Identity of a notification: its message_id, or its content's hash.

    A redelivered message keeps its message_id. Archived messages without
    one (documentation samples, hand-made traces) are identified by their
    content, so replaying the same file twice still counts once.
    """
    message_id = message.get('message_id')
    if message_id:
        return str(message_id)
    canonical = json.dumps(message, sort_keys=True, default=str)
    return 'sha256:' + hashlib.sha256(canonical.encode()).hexdigest()


def raw_text(message):
    """A message as text, for a quarantine entry: JSON where it can be.

    The text is always storable: bytes that are not UTF-8 keep their
    value as \\xNN escapes, and NUL, the one character PostgreSQL refuses
    in text, is escaped the same way. Otherwise the database would refuse
    the quarantine entry itself, and its true reason would be lost.
    """
    if isinstance(message, bytes):
        message = message.decode('utf-8', 'backslashreplace')
    if not isinstance(message, str):
        try:
            return json.dumps(message, sort_keys=True, default=repr)
        except (TypeError, ValueError):
            message = repr(message)
        except RecursionError:
            return '(a %s nested too deeply to show)' % (
                type(message).__name__)
    return message.replace('\x00', '\\x00')


def undecodable(data):
    """Why raw bytes from a bus or an archive are no text, or None.

    Replay and the dead-letter consumer quarantine such a message with
    this reason, and its bytes through raw_text().
    """
    if not isinstance(data, bytes):
        return None
    try:
        data.decode('utf-8')
    except UnicodeDecodeError as exc:
        return 'not UTF-8 text: byte 0x%02x at position %d: %s' % (
            data[exc.start], exc.start, exc.reason)
    return None


class InvalidEvent(ValueError):
    """An event that does not satisfy the canonical model."""


@dataclasses.dataclass(frozen=True)
class Event:
    id: str
    resource_type: str
    resource_id: str
    action: str
    time: datetime.datetime
    project_id: str = None
    user_id: str = None
    # When the resource's life began, if the payload says so. It dates a
    # life whose create was missed.
    started_at: datetime.datetime = None
    attributes: dict = dataclasses.field(default_factory=dict)
    meter: str = None
    volume: decimal.Decimal = None
    provenance: str = NOTIFICATION
    # Bounds of the true time when it is not known exactly.
    time_min: datetime.datetime = None
    time_max: datetime.datetime = None
    event_type: str = None
    message_id: str = None
    publisher_id: str = None

    def __post_init__(self):
        for name in ('id', 'resource_type', 'resource_id'):
            if not isinstance(getattr(self, name), str) or not getattr(
                    self, name):
                raise InvalidEvent('%s must be a non-empty string' % name)
        if self.action not in ACTIONS:
            raise InvalidEvent('unknown action %r' % (self.action,))
        if self.provenance not in PROVENANCES:
            raise InvalidEvent('unknown provenance %r' % (self.provenance,))
        for name in ('time', 'started_at', 'time_min', 'time_max'):
            value = getattr(self, name)
            if value is not None and (
                    not isinstance(value, datetime.datetime) or
                    value.tzinfo is None or value.microsecond):
                raise InvalidEvent('%s must be a UTC time in whole seconds'
                                   % name)
        if self.time is None:
            raise InvalidEvent('time is required')
        if self.action == SAMPLE:
            if not self.meter or not isinstance(self.volume,
                                                decimal.Decimal):
                raise InvalidEvent('a sample needs a meter and an exact '
                                   'volume')
        if self.action == VOID and (
                self.provenance != CORRECTION or
                not isinstance(self.attributes.get(VOIDS), str)):
            raise InvalidEvent('a void is a correction naming the event '
                               'it voids')

    def to_wire(self):
        """JSON-safe dict, as forwarded from agent to engine."""
        # Not dataclasses.asdict(): its deep copy was most of the agent's
        # cost per event, and the dict is serialised at once.
        data = {f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)}
        data['attributes'] = dict(self.attributes)
        for name in ('time', 'started_at', 'time_min', 'time_max'):
            data[name] = timeutils.isoformat(data[name])
        if self.volume is not None:
            data['volume'] = str(self.volume)
        return data

    @classmethod
    def from_wire(cls, data):
        try:
            values = dict(data)
            if values.get('provenance') == CORRECTION:
                # Corrections are made by operators through the store,
                # with an audit trail; none comes in on the bus.
                raise InvalidEvent('a correction does not come on the bus')
            for name in ('time', 'started_at', 'time_min', 'time_max'):
                values[name] = timeutils.parse(values.get(name))
            if values.get('volume') is not None:
                values['volume'] = decimal.Decimal(values['volume'])
            return cls(**values)
        except (TypeError, ValueError, decimal.InvalidOperation) as exc:
            raise InvalidEvent(str(exc))


@dataclasses.dataclass(frozen=True)
class Quarantined:
    """A notification kept aside because it cannot become usage."""

    reason: str
    raw: str
    service: str = None
    event_type: str = None
    publisher_id: str = None
    message_id: str = None

    @property
    def digest(self):
        """Identity of the quarantined message: one entry per message."""
        text = '%s\x1f%s' % (self.service or '', self.raw)
        return hashlib.sha256(text.encode('utf-8', 'replace')).hexdigest()

    def to_wire(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_wire(cls, data):
        return cls(**data)
