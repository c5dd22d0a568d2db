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
"""From decisions to the enforcers' work, and records of what they did.

An enforcement *record* says that an enforcer holds one target of one
project (``key``: enforcer, project, target) for some decisions (its
*holders*), with the state it found there first (``prior``) and the
state it holds (``applied``). Storage keeps records; they are the
``/v1/enforcements`` of the API.

``plan`` compares what the active decisions want with the records, and
says, per target, what to do: *apply* (a new target, or new parameters),
*check* (held as it should be: look for hand changes) or *revert* (no
decision wants it any more). When several decisions want one target
(two rules lowering one project's server limit), the strictest action
holds it, and the prior found by the first apply is kept until the last
holder goes, so a revert restores the state before any of them.

``execute`` runs a plan with the enforcers. Each step is isolated: a
failure is reported and leaves its record as it was, to be tried again
at the next run, and every other step goes on. ``remember`` is called
with a record *before* its first write, so that storage keeps the prior
even if the process dies right after the write.

Decisions of a rule whose evaluation failed (their version is not the
rule's latest) keep their targets exactly as they are: a failure blocks
nothing new and lifts nothing.
"""

import dataclasses
import typing

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.throttling import errors
from scs_metering.throttling import rules as rules_

LOG = log.getLogger(__name__)

APPLY, CHECK, REVERT = 'apply', 'check', 'revert'
# What happened at a step, as ``execute`` reports it.
APPLIED, UNCHANGED, REPAIRED, REVERTED, FAILED = (
    'applied', 'unchanged', 'repaired', 'reverted', 'failed')


class Key(typing.NamedTuple):
    enforcer: str
    project_id: str
    target: str


@dataclasses.dataclass(frozen=True)
class Record:
    """What one enforcer holds of one project, and for whom."""

    enforcer: str
    project_id: str
    target: str
    params: dict
    prior: dict
    applied: dict
    holders: tuple
    applied_at: object = None
    checked_at: object = None

    @property
    def key(self):
        return Key(self.enforcer, self.project_id, self.target)

    def document(self):
        doc = dataclasses.asdict(self)
        doc['holders'] = list(self.holders)
        for name in ('applied_at', 'checked_at'):
            doc[name] = timeutils.isoformat(doc[name])
        return doc


def from_document(document):
    values = dict(document)
    values['holders'] = tuple(values['holders'])
    for name in ('applied_at', 'checked_at'):
        values[name] = timeutils.parse(values.get(name))
    return Record(**values)


class Step(typing.NamedTuple):
    kind: str
    key: Key
    params: dict
    holders: tuple
    record: Record = None


class Problem(typing.NamedTuple):
    """An action or a step that could not be planned or run."""

    key: object
    decision_id: str
    reason: str
    retry: bool = True

    def document(self):
        doc = self._asdict()
        doc['key'] = list(self.key) if self.key else None
        return doc


def _wanted(decision, action, cls):
    if cls.restrictive:
        return decision.enforced and decision.mode == rules_.ENFORCE
    return decision.active


def plan(decisions, rule_versions, records, classes):
    """The steps of a run, and the actions that cannot be planned.

    ``decisions``: every active decision, and those closed in this run;
    ``rule_versions``: the rules' latest versions; ``records``: the
    stored records; ``classes``: name -> enforcer class (Loader.cls).
    """
    latest = {r.rule_id: r for r in rule_versions}
    records = {r.key: r for r in records}
    wanted, problems, stale = {}, [], set()
    for decision in sorted(decisions, key=lambda d: d.id):
        if not decision.active:
            continue
        rule = latest.get(decision.rule_id)
        if rule is None or rule.version != decision.version:
            stale.add(decision.id)
            continue
        for action in rule.actions:
            try:
                cls = classes(action.enforcer)
            except errors.EnforcerError as exc:
                problems.append(Problem(None, decision.id, str(exc),
                                        exc.retry))
                continue
            if not _wanted(decision, action, cls):
                continue
            key = Key(action.enforcer, decision.project_id,
                      'decision:%s' % decision.id if cls.per_decision
                      else cls.target(action.params))
            params, holders = wanted.get(key, (action.params, ()))
            if cls.strictness(action.params) < cls.strictness(params):
                params = action.params
            wanted[key] = (params, holders + (decision.id,))
    for key, record in records.items():
        if key not in wanted and stale.intersection(record.holders):
            wanted[key] = (record.params, record.holders)
    steps = []
    for key in sorted(set(wanted) | set(records)):
        record = records.get(key)
        if key not in wanted:
            steps.append(Step(REVERT, key, record.params, record.holders,
                              record))
            continue
        params, holders = wanted[key]
        kind = CHECK if record is not None and record.params == params \
            else APPLY
        steps.append(Step(kind, key, params, holders, record))
    return steps, problems


@dataclasses.dataclass
class Outcome:
    """What a run did: records to store (None: delete), events, problems."""

    records: dict = dataclasses.field(default_factory=dict)
    events: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)

    def merged(self, records):
        """{key: record} of ``records`` after this outcome.

        A step that failed is absent from ``self.records``: its record
        stays as it was, to be tried again.
        """
        found = {r.key: r for r in records}
        for key, record in self.records.items():
            if record is None:
                found.pop(key, None)
            else:
                found[key] = record
        return found


def _record(step, outcome, now, previous):
    return Record(
        enforcer=step.key.enforcer, project_id=step.key.project_id,
        target=step.key.target, params=dict(step.params),
        prior=outcome.prior, applied=outcome.applied, holders=step.holders,
        applied_at=now if outcome.changed or previous is None
        else previous.applied_at, checked_at=now)


def _run(step, enforcer, decision, now, remember):
    project, record = step.key.project_id, step.record
    if step.kind == REVERT:
        changed = enforcer.revert(project, step.params, record.prior,
                                  decision=decision)
        return None, REVERTED if changed else UNCHANGED
    if step.kind == CHECK:
        found = enforcer.check(project, step.params, record.applied)
        if found is None:
            return dataclasses.replace(record, holders=step.holders,
                                       checked_at=now), UNCHANGED
        LOG.warning('%s of project %s was changed by hand to %s while a '
                    'decision holds it at %s; repairing',
                    step.key.target or step.key.enforcer, project, found,
                    record.applied)

    def remembered(prior):
        # The record before the first write: the prior, nothing applied.
        remember(Record(step.key.enforcer, project, step.key.target,
                        dict(step.params), prior, None, step.holders))

    done = enforcer.apply(
        project, step.params, prior=record.prior if record else None,
        remember=remembered if remember and record is None else None,
        decision=decision)
    kind = REPAIRED if step.kind == CHECK else (
        APPLIED if done.changed else UNCHANGED)
    return _record(step, done, now, record), kind


def execute(steps, enforcers, decisions, now, remember=None):
    """Run ``steps`` with ``enforcers`` (name -> enforcer, Loader.get).

    ``decisions``: {id: Decision}, for the announcers' messages.
    """
    result = Outcome()
    for step in steps:
        decision = decisions.get(step.holders[0]) if step.holders else None
        try:
            record, kind = _run(step, enforcers(step.key.enforcer),
                                decision, now, remember)
        except errors.EnforcerError as exc:
            result.problems.append(Problem(
                step.key, decision and decision.id, str(exc), exc.retry))
            result.events.append((FAILED, step.kind, step.key))
            continue
        except Exception as exc:
            # An enforcer's bug must not stop the other targets.
            LOG.exception('Enforcer %s failed on %s', step.key.enforcer,
                          step.key)
            result.problems.append(Problem(
                step.key, decision and decision.id,
                '%s: %s' % (exc.__class__.__name__, exc)))
            result.events.append((FAILED, step.kind, step.key))
            continue
        result.records[step.key] = record
        result.events.append((kind, step.kind, step.key))
    return result
