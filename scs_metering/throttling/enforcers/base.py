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
"""The contract of an enforcer: read, goal, write; apply, revert, check.

An enforcer holds one *target* of a project (Keystone's limit of
``compute/servers``, cinder's ``gigabytes`` quota, the project's
enabled flag) in a state while decisions ask for it. It implements
three small methods, and the base class builds the contract on them:

``apply(project, params, prior)``
    Reads the target; on the first apply (``prior`` None) the state
    found becomes ``prior``, handed to ``remember`` *before* anything
    is written, so that storage has it even if the process dies right
    after the write. Then it writes ``goal`` unless the target is
    already there: applying twice makes one change.
``revert(project, params, prior)``
    Writes ``prior`` back, exactly, unless it is already there.
``check(project, params, applied)``
    The state found if it is not ``applied`` any more (a hand change
    while a decision is open), else None; the caller repairs it with
    ``apply`` and the recorded prior.

Goals never loosen what was found: a rule asking for 10 servers leaves
a project limited to 5 at 5. Each state is a small JSON-able dict that
storage keeps on the enforcement record.

Announcers (``log``, ``notify``) have no state to hold: they speak once
when a decision opens (apply) and once when it closes (revert), and run
in observe mode too.
"""

import abc
import typing

from scs_metering.throttling import errors


class Outcome(typing.NamedTuple):
    prior: dict
    applied: dict
    changed: bool


class Enforcer(metaclass=abc.ABCMeta):
    """Holds one target of a project in a state; see the module doc."""

    # Restrictive enforcers act only on open decisions of enforce-mode
    # rules; the others (announcers) in observe mode and while lifted.
    restrictive = True
    # One target per decision (announcers), not one per project.
    per_decision = False

    def __init__(self, conf, **clients):
        self.conf = conf

    @classmethod
    def check_params(cls, params, path):
        """Normalised parameters; RuleError naming ``path/<field>``."""
        if params:
            raise errors.RuleError(errors.join(path, sorted(params)[0]),
                                   'this enforcer takes no parameters')
        return {}

    @classmethod
    def target(cls, params):
        """What the action holds inside its project; '' for all of it."""
        return ''

    @classmethod
    def strictness(cls, params):
        """Lower is stricter: the strictest action holds a shared target."""
        return 0

    @abc.abstractmethod
    def read(self, project_id, params):
        """The target's state now, with whatever ``goal`` needs."""

    @abc.abstractmethod
    def goal(self, params, current, prior):
        """The state to hold, never looser than ``prior``."""

    @abc.abstractmethod
    def write(self, project_id, params, current, state):
        """Put the target into ``state`` (``current`` was just read)."""

    def prior_of(self, current):
        """The part of a read state that revert restores."""
        return current

    @staticmethod
    def same(current, state):
        return all(current.get(k) == v for k, v in state.items())

    def apply(self, project_id, params, prior=None, remember=None,
              decision=None):
        current = self.read(project_id, params)
        if prior is None:
            prior = self.prior_of(current)
            if remember is not None:
                remember(prior)
        goal = self.goal(params, current, prior)
        changed = not self.same(current, goal)
        if changed:
            self.write(project_id, params, current, goal)
        return Outcome(prior, goal, changed)

    def revert(self, project_id, params, prior, decision=None):
        """Restore ``prior``; True if something was written."""
        current = self.read(project_id, params)
        if self.same(current, prior):
            return False
        self.write(project_id, params, current, prior)
        return True

    def check(self, project_id, params, applied):
        current = self.read(project_id, params)
        return None if self.same(current, applied) else current


class Announcer(Enforcer):
    """Says a decision opened, then that it closed; holds nothing."""

    restrictive = False
    per_decision = True

    @abc.abstractmethod
    def announce(self, event, project_id, decision):
        """``event`` is 'opened' or 'closed'; ``decision`` may be None."""

    def read(self, project_id, params):
        return {}

    def goal(self, params, current, prior):
        return {}

    def write(self, project_id, params, current, state):
        pass

    def apply(self, project_id, params, prior=None, remember=None,
              decision=None):
        if remember is not None:
            remember({})
        self.announce('opened', project_id, decision)
        return Outcome({}, {}, True)

    def revert(self, project_id, params, prior, decision=None):
        self.announce('closed', project_id, decision)
        return True

    def check(self, project_id, params, applied):
        return None


def integer(params, name, path, required=True, minimum=0,
            maximum=2 ** 31 - 1):
    """An integer parameter, as the services' limit APIs take them."""
    value = params.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not (
            minimum <= value <= maximum):
        raise errors.RuleError(errors.join(path, name), 'an integer from '
                               '%d to %d is required' % (minimum, maximum))
    return value


def name(params, field, path, required=True):
    value = params.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise errors.RuleError(errors.join(path, field), 'a non-empty '
                               'string of at most 255 characters is '
                               'required')
    return value


def known(params, allowed, path):
    for field in sorted(set(params) - set(allowed)):
        raise errors.RuleError(errors.join(path, field), 'unknown '
                               'parameter; known: %s' % ', '.join(
                                   sorted(allowed)))
