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
"""From an OpenStack notification to usage events, by the definitions."""

import dataclasses

from oslo_log import log

from scs_metering.definitions import fields
from scs_metering.definitions import guards
from scs_metering.definitions import model
from scs_metering import events

LOG = log.getLogger(__name__)

# Keys of an inner oslo.messaging notification.
MESSAGE_KEYS = ('message_id', 'publisher_id', 'event_type', 'priority',
                'payload', 'timestamp')


@dataclasses.dataclass
class Outcome:
    events: list = dataclasses.field(default_factory=list)
    quarantined: list = dataclasses.field(default_factory=list)
    ignored: int = 0


def unwrap_objects(value):
    """Replace versioned-object envelopes by their data, recursively.

    Nova's versioned payloads are {"nova_object.data": {...},
    "nova_object.name": ...}; definitions address the data directly.
    """
    if isinstance(value, dict):
        for key in value:
            if key.endswith('_object.data') and isinstance(value[key],
                                                           dict):
                return {k: unwrap_objects(v) for k, v in value[key].items()}
        return {k: unwrap_objects(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_objects(v) for v in value]
    return value


class Converter:
    """Turns notifications of one service into events.

    Every event passes the guard (definitions/guards.py) before it is
    forwarded; a notification with one refused event is quarantined whole,
    so that a retry after a fix meters all of it once.
    """

    def __init__(self, definitions, guard=None):
        self.definitions = definitions
        self.guard = guard or guards.EventGuard(definitions)

    def convert(self, service, message, outcome=None):
        """Add the events, or the quarantine entry, of one message."""
        outcome = outcome if outcome is not None else Outcome()
        try:
            rule = self._rule(service, message)
            if isinstance(rule, model.IgnoreRule):
                outcome.ignored += 1
            else:
                found = self._events(rule, message)
                now = self.guard.clock()
                for event in found:
                    refused = self.guard.reason(event, now)
                    if refused:
                        raise _Unusable(refused)
                outcome.events.extend(found)
        except (fields.FieldError, events.InvalidEvent,
                _Unusable) as exc:
            outcome.quarantined.append(self.quarantine(service, message,
                                                       str(exc)))
        except RecursionError:
            outcome.quarantined.append(self.quarantine(
                service, message, 'malformed message: nested too deeply'))
        return outcome

    @staticmethod
    def quarantine(service, message, reason):
        get = message.get if isinstance(message, dict) else (lambda k: None)
        return events.Quarantined(
            reason=reason, raw=events.raw_text(message), service=service,
            event_type=guards.clip(get('event_type')),
            publisher_id=guards.clip(get('publisher_id')),
            message_id=guards.clip(get('message_id')))

    def service_of(self, message):
        """The service whose definitions claim a message, for replays."""
        event_type = (message.get('event_type')
                      if isinstance(message, dict) else None)
        if isinstance(event_type, str):
            return self.definitions.guess_service(event_type)
        return None

    def _rule(self, service, message):
        if not isinstance(message, dict):
            raise _Unusable('malformed message: expected a JSON object, '
                            'got %s' % type(message).__name__)
        event_type = message.get('event_type')
        if not isinstance(event_type, str) or not event_type:
            raise _Unusable('malformed message: no event_type')
        rule = self.definitions.lookup(service, event_type)
        if rule is None:
            raise _Unusable('unknown event type %r from %s: no definition '
                            'meters or ignores it' % (event_type, service))
        if not isinstance(message.get('payload'), dict):
            raise _Unusable('malformed message: payload is not a JSON '
                            'object')
        return rule

    def _events(self, definition, original):
        key = events.message_key(original)
        message = dict(original,
                       payload=unwrap_objects(original['payload']))
        event_type = message['event_type']
        action = definition.action_for(event_type)
        time_field = definition.time_by_action.get(action, definition.time)
        common = dict(
            resource_type=definition.resource_type,
            resource_id=definition.resource_id.extract(message),
            project_id=definition.project_id.extract(message),
            user_id=definition.user_id.extract(message),
            started_at=definition.started_at.extract(message),
            time=time_field.extract(message),
            provenance=definition.provenance,
            event_type=event_type,
            message_id=message.get('message_id'),
            publisher_id=message.get('publisher_id'))
        common['attributes'] = {f.name: f.extract(message)
                                for f in definition.attributes}
        if action == events.DELETE and definition.delete_state:
            # A delete's own state ("deleted") bills nothing; its snapshot
            # only matters for a life whose other events were all lost.
            common['attributes']['state'] = definition.delete_state
        if action != events.SAMPLE:
            return [events.Event(id=events.stable_id(key, definition.name),
                                 action=action, **common)]
        return [events.Event(
            id=events.stable_id(key, definition.name, meter),
            action=events.SAMPLE, meter=meter, volume=field.extract(message),
            **common) for meter, field in definition.samples]


class _Unusable(ValueError):
    pass
