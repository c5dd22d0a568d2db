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
"""Decisions: what the evaluator decided about one project under one rule.

A decision opens when the project's value reaches the rule's threshold,
and is *active* until it closes. While open, its rule's actions are
enforced (in enforce mode); an admin may *lift* it, which reverts the
enforcement but keeps the decision active, so that the next run does
not open it again at once. An active decision, open or lifted, closes
when the value falls below the clear threshold (or the rule is
disabled, deleted, or no longer covers the project); only then can the
project's next opening happen.

``dedup_key`` names one opening: the rule, the project, and the time of
the snapshot it was decided on. The same snapshot always gives the same
key, so a run that is retried after a crash opens the same decision
again, not a second one, and announcements (notifications, sink records)
carry the key for their receivers to drop duplicates. ``id`` is derived
from it.

A decision records the rule version that opened it and the version that
keeps it open now (``version``); the evaluator updates the latter when a
rule changes. Values are shown in the metric's unit, rounded down to
12 decimal places (``metrics.shown_value``).
"""

import dataclasses
import uuid

from scs_metering.common import timeutils
from scs_metering.rating import money

OPEN, LIFTED, CLOSED = 'open', 'lifted', 'closed'
STATES = (OPEN, LIFTED, CLOSED)

# Why a decision closed.
BELOW_CLEAR = 'below_clear_threshold'
RULE_DISABLED = 'rule_disabled'
RULE_DELETED = 'rule_deleted'
OUT_OF_SCOPE = 'out_of_scope'
PROJECT_UNKNOWN = 'project_unknown'

NAMESPACE = uuid.UUID('5c0ff1e5-7e57-4c3a-9d1b-d3c1510a0000')

_TIMES = ('window_start', 'window_end', 'opened_at', 'lifted_at',
          'closed_at')
_DECIMALS = ('value', 'threshold', 'clear_threshold', 'closed_value')


def dedup_key(rule_id, project_id, as_of):
    return '%s:%s:%s' % (rule_id, project_id, timeutils.isoformat(as_of))


def decision_id(key):
    return str(uuid.uuid5(NAMESPACE, key))


@dataclasses.dataclass(frozen=True)
class Decision:
    """One opening of one rule for one project; plain values only."""

    id: str
    dedup_key: str
    rule_id: str
    opened_version: int
    version: int
    project_id: str
    domain_id: str
    state: str
    mode: str
    unit: str
    value: object
    threshold: object
    clear_threshold: object
    window_start: object
    window_end: object
    opened_at: object
    reason: str
    lifted_at: object = None
    lift_reason: str = None
    closed_at: object = None
    close_reason: str = None
    closed_value: object = None
    closed_version: int = None

    @property
    def active(self):
        return self.state != CLOSED

    @property
    def enforced(self):
        """Whether its rule's restrictive actions apply now."""
        return self.state == OPEN

    def lift(self, when, reason):
        """The decision lifted by an admin: enforcement is reverted.

        Lifting an active decision is allowed once; lifting a lifted or
        closed one raises ValueError (the API answers 409).
        """
        if self.state != OPEN:
            raise ValueError('decision %s is %s; only an open decision can '
                             'be lifted' % (self.id, self.state))
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError('lifting a decision needs a reason')
        return dataclasses.replace(self, state=LIFTED, lifted_at=when,
                                   lift_reason=reason)

    def document(self):
        doc = dataclasses.asdict(self)
        for name in _TIMES:
            doc[name] = timeutils.isoformat(doc[name])
        for name in _DECIMALS:
            if doc[name] is not None:
                doc[name] = money.text(doc[name])
        return doc


def from_document(document):
    """The Decision that ``Decision.document`` wrote, as storage reads it."""
    values = dict(document)
    for name in _TIMES:
        values[name] = timeutils.parse(values.get(name))
    for name in _DECIMALS:
        if values.get(name) is not None:
            values[name] = money.to_decimal(values[name], name)
    return Decision(**values)
