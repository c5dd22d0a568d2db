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
"""The evaluator: (rule versions, snapshot, active decisions) -> changes.

A pure function, so a dry run is the real thing without the writes, and
one snapshot always gives the same changes, in the same order (rules by
id, projects by id).

For every rule, the latest version of which is given (disabled ones
too), and every project its scope covers:

* no active decision, and value >= threshold: the decision *opens*;
* an active decision, and value < clear threshold: it *closes*;
* an active decision whose rule has a newer version: it is *updated*
  to record the version that keeps it open (and that version's mode);
* an active decision of a rule that is disabled, deleted (not given),
  or no longer covers the project, or of a project the snapshot no
  longer has: it closes, naming why. Its enforcement is then reverted,
  like any closed decision's. So the snapshot's projects must be every
  project metering knows, never the answer of a listing that may fail.

Isolation: a rule that cannot be evaluated (a Need missing from the
snapshot, a meter whose unit no longer converts) and a project whose
entries are bad (a value that is not a Decimal) are reported as
Failures; their active decisions are left as they are, and no decision
opens for them, so a failure never blocks anything new nor lifts
anything that was blocked. Every other rule and project goes on.
"""

import dataclasses
import decimal
import typing

from scs_metering.rating import money
from scs_metering.throttling import decisions as dec
from scs_metering.throttling import metrics
from scs_metering.throttling import snapshot as snapshot_

OPENED, UPDATED, CLOSED = 'opened', 'updated', 'closed'


class Change(typing.NamedTuple):
    """``decision`` as it is now; ``previous`` as it was (None if new)."""

    kind: str
    decision: dec.Decision
    previous: dec.Decision = None


class Failure(typing.NamedTuple):
    """A rule, or one project under a rule, that could not be evaluated."""

    rule_id: str
    version: int
    project_id: str
    reason: str

    def document(self):
        return self._asdict()


@dataclasses.dataclass
class Result:
    changes: list = dataclasses.field(default_factory=list)
    failures: list = dataclasses.field(default_factory=list)
    # (rule, project) pairs whose value was computed.
    evaluated: int = 0


class _RuleFailed(Exception):
    pass


def latest_versions(rule_versions):
    """{rule id: its highest version} of the given versions."""
    latest = {}
    for rule in rule_versions:
        known = latest.get(rule.rule_id)
        if known is None or rule.version > known.version:
            latest[rule.rule_id] = rule
    return latest


def _values(rule, snapshot, projects, result):
    """{project: (total, bounds)} of the projects that evaluate cleanly."""
    try:
        num, den = rule.metric.factor(snapshot.meter_units)
    except ValueError as exc:
        raise _RuleFailed(str(exc))
    values = {}
    for bounds, members in snapshot.windows(rule.window, projects).items():
        totals = snapshot.totals.get(snapshot_.need_of(rule.metric, bounds))
        if totals is None:
            raise _RuleFailed('the snapshot has no %s totals for %s to %s' % (
                rule.metric.source[1], bounds.start, bounds.end))
        for project_id in members:
            try:
                total = rule.metric.total(totals.get(project_id, ()))
            except (TypeError, AttributeError, decimal.DecimalException) as e:
                result.failures.append(Failure(
                    rule.rule_id, rule.version, project_id,
                    'bad usage entries: %s' % e))
                continue
            values[project_id] = (total, bounds)
    return num, den, values


def _open(rule, snapshot, project_id, total, num, den, bounds):
    key = dec.dedup_key(rule.rule_id, project_id, snapshot.as_of)
    return dec.Decision(
        id=dec.decision_id(key), dedup_key=key, rule_id=rule.rule_id,
        opened_version=rule.version, version=rule.version,
        project_id=project_id, domain_id=snapshot.projects.get(project_id),
        state=dec.OPEN, mode=rule.mode, unit=rule.metric.label,
        value=metrics.shown_value(total, num, den),
        threshold=rule.threshold, clear_threshold=rule.clear_threshold,
        window_start=bounds.start, window_end=bounds.end,
        opened_at=snapshot.as_of, reason=rule.reason)


def _close(decision, why, when, version, value=None):
    return Change(CLOSED, dataclasses.replace(
        decision, state=dec.CLOSED, closed_at=when, close_reason=why,
        closed_value=value, closed_version=version), decision)


def _evaluate_rule(rule, snapshot, active, result):
    """Append the changes of one rule; ``active``: {project: Decision}."""
    when = snapshot.as_of
    if rule is None or not rule.enabled:
        why = dec.RULE_DELETED if rule is None else dec.RULE_DISABLED
        for project_id in sorted(active):
            decision = active[project_id]
            result.changes.append(_close(
                decision, why, when,
                decision.version if rule is None else rule.version))
        return
    projects = snapshot.in_scope(rule.scope)
    try:
        num, den, values = _values(rule, snapshot, projects, result)
    except _RuleFailed as exc:
        result.failures.append(Failure(rule.rule_id, rule.version, None,
                                       str(exc)))
        return
    result.evaluated += len(values)
    with money.exact():
        over = rule.threshold * den
        clear = rule.clear_threshold * den
        for project_id in sorted(set(projects) | set(active)):
            decision = active.get(project_id)
            found = values.get(project_id)
            if found is None:
                if decision is not None and project_id not in projects:
                    result.changes.append(_close(
                        decision, dec.OUT_OF_SCOPE
                        if project_id in snapshot.projects
                        else dec.PROJECT_UNKNOWN, when, rule.version))
                continue
            total, bounds = found
            scaled = total * num
            if decision is None:
                if scaled >= over:
                    result.changes.append(Change(OPENED, _open(
                        rule, snapshot, project_id, total, num, den,
                        bounds)))
            elif scaled < clear:
                result.changes.append(_close(
                    decision, dec.BELOW_CLEAR, when, rule.version,
                    metrics.shown_value(total, num, den)))
            elif decision.version != rule.version:
                result.changes.append(Change(UPDATED, dataclasses.replace(
                    decision, version=rule.version, mode=rule.mode,
                    threshold=rule.threshold,
                    clear_threshold=rule.clear_threshold,
                    reason=rule.reason), decision))


def evaluate(rule_versions, snapshot, active_decisions):
    """The Result of one run: changes in (rule, project) order, failures.

    ``rule_versions``: the latest version of every rule that is not
    deleted (older versions given too are ignored); ``snapshot``: a
    Snapshot with its totals; ``active_decisions``: every decision that
    is open or lifted.
    """
    latest = latest_versions(rule_versions)
    result = Result()
    active = {}
    for decision in sorted(active_decisions,
                           key=lambda d: (d.opened_at, d.id)):
        mine = active.setdefault(decision.rule_id, {})
        if decision.project_id in mine:
            result.failures.append(Failure(
                decision.rule_id, decision.version, decision.project_id,
                'two active decisions (%s, %s); the later one is left as '
                'it is' % (mine[decision.project_id].id, decision.id)))
            continue
        mine[decision.project_id] = decision
    for rule_id in sorted(set(latest) | set(active)):
        _evaluate_rule(latest.get(rule_id), snapshot,
                       active.get(rule_id, {}), result)
    result.failures.sort(key=lambda f: (f.rule_id, f.project_id or ''))
    return result
