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
"""Rule versions: parsed, checked and immutable.

A rule is a sequence of immutable versions; every change, enabling and
disabling included, is a new version, so the version a decision names
tells everything that made it. A version document, as the API receives
it and storage keeps it::

    {"scope": {"type": "domain", "id": "d1"},
     "enabled": true,
     "description": "Monthly budget of the customers of reseller d1",
     "metric": {"type": "cost", "currency": "EUR"},
     "window": {"type": "billing_period"},
     "threshold": "5000", "clear_threshold": "4500",
     "mode": "enforce",
     "actions": [
        {"enforcer": "keystone_limit",
         "params": {"service": "compute", "resource_name": "servers",
                    "value": 0}},
        {"enforcer": "notify"}],
     "reason": "The monthly budget of 5,000 EUR is used up"}

The clear threshold is below the threshold: a decision opens when the
value reaches the threshold and closes only when it falls below the
clear threshold, so a value that hovers around the threshold does not
open and close a decision at every run (hysteresis).

Enforcers' parameters are checked by the enforcers themselves: callers
that can load them (the API, the evaluator) pass ``check_action``
(``enforcers.loader.Loader.check_action``); without it only the shape of
an action is checked, which keeps this module free of plugins.
"""

import dataclasses

from scs_metering.rating import lines
from scs_metering.rating import money
from scs_metering.throttling import errors
from scs_metering.throttling import fields
from scs_metering.throttling import metrics
from scs_metering.throttling import windows

ALL, DOMAIN, PROJECT = 'all', 'domain', 'project'
SCOPES = (ALL, DOMAIN, PROJECT)
OBSERVE, ENFORCE = 'observe', 'enforce'
MODES = (OBSERVE, ENFORCE)
MAX_ACTIONS = 20

FIELDS = {'scope', 'enabled', 'description', 'metric', 'window',
          'threshold', 'clear_threshold', 'mode', 'actions', 'reason'}


@dataclasses.dataclass(frozen=True)
class Scope:
    """All projects, the projects of one domain, or one project."""

    type: str
    id: str = None

    def contains(self, project_id, domain_id):
        if self.type == ALL:
            return True
        return (project_id if self.type == PROJECT
                else domain_id) == self.id

    def document(self):
        return ({'type': self.type} if self.type == ALL
                else {'type': self.type, 'id': self.id})


@dataclasses.dataclass(frozen=True)
class Action:
    """An enforcer's name and its parameters, as checked by it."""

    enforcer: str
    params: dict = dataclasses.field(default_factory=dict)

    def document(self):
        return {'enforcer': self.enforcer, 'params': dict(self.params)}


@dataclasses.dataclass(frozen=True)
class RuleVersion:
    """Version ``version`` of rule ``rule_id``; storage gives both."""

    rule_id: str
    version: int
    scope: Scope
    enabled: bool
    metric: metrics.Metric
    window: windows.Window
    threshold: object
    clear_threshold: object
    mode: str
    actions: tuple
    reason: str
    description: str = None

    def document(self):
        doc = {'scope': self.scope.document(), 'enabled': self.enabled,
               'metric': self.metric.document(),
               'window': self.window.document(),
               'threshold': money.text(self.threshold),
               'clear_threshold': money.text(self.clear_threshold),
               'mode': self.mode,
               'actions': [a.document() for a in self.actions],
               'reason': self.reason}
        if self.description is not None:
            doc['description'] = self.description
        return doc


def parse_scope(document, path='scope'):
    if not isinstance(document, dict):
        raise errors.RuleError(path, 'an object such as {"type": "all"} '
                               'or {"type": "project", "id": "..."} is '
                               'required')
    kind = document.get('type')
    if kind not in SCOPES:
        raise errors.RuleError(errors.join(path, 'type'), 'one of %s is '
                               'required, not %r' % (', '.join(SCOPES), kind))
    if kind == ALL:
        fields.check(document, {'type'}, path)
        return Scope(ALL)
    fields.check(document, {'type', 'id'}, path)
    return Scope(kind, fields.text(document, 'id', path))


def _threshold(document, name):
    value = fields.decimal(document, name, '')
    if value.as_tuple().exponent < metrics.VALUE_EXPONENT:
        raise errors.RuleError(name, 'at most %d decimal places' % (
            -metrics.VALUE_EXPONENT))
    return value


def parse_action(document, path, check_action=None):
    if not isinstance(document, dict):
        raise errors.RuleError(path, 'an action is an object such as '
                               '{"enforcer": "log"}')
    fields.check(document, {'enforcer', 'params'}, path)
    name = fields.text(document, 'enforcer', path)
    params = document.get('params', {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise errors.RuleError(errors.join(path, 'params'), 'an object of '
                               'the enforcer\'s parameters is required')
    if check_action is not None:
        params = check_action(name, params, errors.join(path, 'params'))
    return Action(name, dict(params))


def parse_rule(document, rule_id=None, version=None, meters=None,
               check_action=None):
    """A RuleVersion from its document; RuleError naming the bad field.

    ``meters`` (name: Meter, the engine's definitions) checks metric
    meters, units and match attributes; ``check_action(name, params,
    path)`` checks and normalises an action's parameters.
    """
    fields.check(document, FIELDS, '')
    enabled = document.get('enabled', True)
    if not isinstance(enabled, bool):
        raise errors.RuleError('enabled', 'true or false is required')
    threshold = _threshold(document, 'threshold')
    clear = _threshold(document, 'clear_threshold')
    if threshold <= 0:
        raise errors.RuleError('threshold', 'must be greater than 0')
    if not clear < threshold:
        raise errors.RuleError('clear_threshold', 'must be below the '
                               'threshold (%s), so that a decision does not '
                               'open and close at every run' % threshold)
    mode = document.get('mode')
    if mode not in MODES:
        raise errors.RuleError('mode', 'one of %s is required, not %r' % (
            ', '.join(MODES), mode))
    actions = document.get('actions', [])
    if not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
        raise errors.RuleError('actions', 'a list of at most %d actions is '
                               'required' % MAX_ACTIONS)
    parsed = tuple(parse_action(a, 'actions/%d' % i, check_action)
                   for i, a in enumerate(actions))
    seen = {}
    for index, action in enumerate(parsed):
        key = lines.canonical_json(action.document())
        if key in seen:
            raise errors.RuleError('actions/%d' % index, 'the same action '
                                   'as actions/%d' % seen[key])
        seen[key] = index
    return RuleVersion(
        rule_id=rule_id, version=version,
        scope=parse_scope(document.get('scope')), enabled=enabled,
        metric=metrics.parse_metric(document.get('metric'), 'metric',
                                    meters),
        window=windows.parse_window(document.get('window')),
        threshold=threshold, clear_threshold=clear, mode=mode,
        actions=parsed, reason=fields.text(document, 'reason', ''),
        description=fields.text(document, 'description', '',
                                required=False))
