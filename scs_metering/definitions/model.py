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
"""Compiled resource, meter and event definitions."""

from scs_metering.definitions import fields
from scs_metering.definitions import matcher
from scs_metering import events

LIFECYCLE = 'lifecycle'
GAUGE = 'gauge'
COUNTER = 'counter'
DELTA = 'delta'

# Usage windows align to UTC days, so a window is a divisor or a multiple
# of a day.
DAY = 86400


class ResourceType:
    def __init__(self, name, spec):
        self.name = name
        self.service = spec['service']
        self.description = spec.get('description', '')


class Meter:
    def __init__(self, name, spec):
        self.name = name
        self.resource_type = spec['resource_type']
        self.kind = spec['kind']
        self.unit = spec['unit']
        self.window = spec.get('window', 3600)
        if DAY % self.window and self.window % DAY:
            raise ValueError('window: %d seconds neither divides nor is a '
                             'multiple of a day' % self.window)
        # Quantity per second of a lifecycle period: a constant or the
        # value of a billable attribute (a volume's size, say).
        self.volume = spec.get('volume', 1)
        states = spec.get('billable_states')
        self.billable_states = None if states is None else frozenset(states)
        self.group_by = tuple(spec.get('group_by', ()))
        # The attributes a human summary groups by; all of group_by if
        # not given.
        self.summary_by = tuple(spec.get('summary_by', self.group_by))
        self.description = spec.get('description', '')
        # A gauge's level lasts from its sample to the next one, but no
        # longer than hold seconds: a level nobody reports is not known.
        self.hold = spec.get('hold')
        self.aggregate = spec.get('aggregate', 'integral')
        # A counter's series (its readings up to a reset) starts from
        # zero with its resource, or at some unknown count: then its
        # first reading is only a baseline.
        self.starts_at_zero = spec.get('starts_at_zero', False)
        # Meters can share samples: a gauge's integral and its average.
        self.samples_of = spec.get('samples_of', name)
        self._check(spec)

    def _check(self, spec):
        only = {'volume': LIFECYCLE, 'billable_states': LIFECYCLE,
                'hold': GAUGE, 'aggregate': GAUGE,
                'starts_at_zero': COUNTER}
        for key, kind in sorted(only.items()):
            if key in spec and self.kind != kind:
                raise ValueError('%s: only a %s meter has it, not a %s' % (
                    key, kind, self.kind))
        if self.kind == GAUGE and self.hold is None:
            raise ValueError('hold: a gauge needs it: the seconds a level '
                             'lasts without a newer sample')
        if self.kind == LIFECYCLE and 'samples_of' in spec:
            raise ValueError('samples_of: a lifecycle meter has no samples')
        extra = sorted(set(self.summary_by) - set(self.group_by))
        if extra:
            raise ValueError('summary_by: %s not in group_by' % extra[0])

    @property
    def attributes(self):
        """(field, attribute name) of the attributes the meter reads."""
        found = [('group_by', name) for name in self.group_by]
        if isinstance(self.volume, str):
            found.append(('volume', self.volume))
        if self.billable_states is not None:
            found.append(('billable_states', 'state'))
        return found

    @property
    def sampled(self):
        return self.kind != LIFECYCLE

    def billable(self, state):
        return self.billable_states is None or state in self.billable_states


class EventDefinition:
    def __init__(self, name, spec, resource_type):
        self.name = name
        self.resource_type = resource_type.name
        self.service = resource_type.service
        self.patterns = matcher.Patterns(spec['event_types'])
        self.excluded = (matcher.Patterns(spec['exclude'], 'exclude')
                         if spec.get('exclude') else None)
        self.provenance = spec.get('provenance', events.NOTIFICATION)
        self.actions = [(action, matcher.Patterns(patterns,
                                                  'actions.' + action))
                        for action, patterns in
                        sorted(spec.get('actions', {}).items())]
        self.default_action = spec.get('default_action', events.UPDATE)
        # The state a delete event reports: what its resource's life is
        # billed in when the delete is all that is known of that life.
        self.delete_state = spec.get('delete_state')
        spec_fields = spec['fields']
        self.resource_id = fields.Field('resource_id',
                                        spec_fields['resource_id'],
                                        required=True)
        self.project_id = fields.Field('project_id',
                                       spec_fields['project_id'],
                                       required=True)
        self.user_id = fields.Field('user_id', spec_fields.get('user_id', []))
        self.started_at = fields.Field('started_at',
                                       spec_fields.get('started_at', []),
                                       type_='datetime')
        self.time = fields.Field('time', spec_fields['time'],
                                 type_='datetime', required=True)
        self.time_by_action = {
            action: fields.Field('time', spec, type_='datetime',
                                 required=True)
            for action, spec in spec.get('time_by_action', {}).items()}
        self.attributes = [fields.Field(attr, attr_spec, type_='any')
                           for attr, attr_spec in
                           sorted(spec.get('attributes', {}).items())]
        self.samples = [(s['meter'], fields.Field(
            'volume of %s' % s['meter'], s['volume'], type_='decimal',
            required=True)) for s in spec.get('samples', ())]
        self._check()

    def _check(self):
        typed = [(f, 'str') for f in (self.resource_id, self.project_id,
                                      self.user_id)]
        typed += [(f, 'datetime') for f in [self.started_at, self.time] +
                  list(self.time_by_action.values())]
        typed += [(f, 'decimal') for _meter, f in self.samples]
        for field, kind in typed:
            if field.type != kind:
                raise ValueError('%s: type must be %s, not %s' % (
                    field.name, kind, field.type))
        sampling = events.SAMPLE in [self.default_action] + [
            action for action, _patterns in self.actions]
        if sampling and not self.samples:
            raise ValueError('samples: the action sample needs the meters '
                             'it samples')
        if self.samples and not sampling:
            raise ValueError('samples: no event type has the action sample '
                             '(set default_action: sample)')

    def action_for(self, event_type):
        for action, patterns in self.actions:
            if patterns.match(event_type):
                return action
        return self.default_action


class IgnoreRule:
    def __init__(self, spec):
        self.service = spec['service']
        self.patterns = matcher.Patterns(spec['event_types'])
        self.reason = spec['reason']


class Definitions:
    """Everything the agent and the engine know about what to meter."""

    def __init__(self, resource_types, meters, event_definitions, ignores):
        self.resource_types = resource_types
        self.meters = meters
        self.events = event_definitions
        self.ignores = ignores
        rules = [(d.service, d.patterns, d.excluded, d)
                 for d in event_definitions.values()]
        rules += [(r.service, r.patterns, None, r) for r in ignores]
        self._index = matcher.EventTypeIndex(rules)
        self._guesses = {}  # event type -> service, for replays
        self._meters_by_type = {}
        for meter in meters.values():
            self._meters_by_type.setdefault(meter.resource_type,
                                            []).append(meter)

    def lookup(self, service, event_type):
        """The EventDefinition or IgnoreRule for an event type, or None."""
        return self._index.lookup(service, event_type)

    def meters_for(self, resource_type):
        return self._meters_by_type.get(resource_type, [])

    def guess_service(self, event_type):
        """The service an event type most likely comes from, or None.

        Archived messages do not say which exchange they came from, so a
        replay guesses. Services are tried by how firmly they claim the
        event type, never by name: one that meters it; then one whose
        ignore rule names it (``network.*``); then one whose ignore rule
        only has a leading wildcard (neutron's ``*.start``), and only
        when it meters the same action's ``.end``. Otherwise one
        service's catch-all would swallow every other service's events,
        where the agent quarantines those it does not know.
        """
        if event_type not in self._guesses:
            guess = self._guess_service(event_type)
            if len(self._guesses) >= matcher.EventTypeIndex.MAX_CACHED:
                return guess
            self._guesses[event_type] = guess
        return self._guesses[event_type]

    def _guess_service(self, event_type):
        claims = [(s, self.lookup(s, event_type)) for s in self.services]
        for service, rule in claims:
            if isinstance(rule, EventDefinition):
                return service
        for service, rule in claims:
            if isinstance(rule, IgnoreRule) and any(
                    not p.startswith(('*', 're:')) and
                    matcher.Patterns([p]).match(event_type)
                    for p in rule.patterns.source):
                return service
        end = event_type.rpartition('.')[0] + '.end'
        for service, rule in claims:
            if rule is not None and isinstance(self.lookup(service, end),
                                               EventDefinition):
                return service
        return None

    @property
    def services(self):
        return sorted({t.service for t in self.resource_types.values()})
