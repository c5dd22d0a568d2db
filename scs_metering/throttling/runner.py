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
"""One run of throttling, as the periodic evaluator and the tests do it.

evaluate -> the decisions as they now are -> plan -> execute. Storage
reads the inputs at the start of a run (the latest rule versions, the
snapshot, the active decisions, the enforcement records) and writes the
changes and records this returns; nothing here keeps state between runs,
so a rule changed between two runs simply is the rule of the next one.

A dry run is ``evaluator.evaluate`` alone.
"""

import dataclasses

from scs_metering.common import timeutils
from scs_metering.throttling import enforcement
from scs_metering.throttling import evaluator


@dataclasses.dataclass
class Run:
    evaluation: evaluator.Result
    outcome: enforcement.Outcome
    # Actions that could not be planned, then steps that failed.
    problems: list
    # Every decision of the run by id: the active ones and those that
    # closed in it.
    decisions: dict

    @property
    def active(self):
        return [d for _id, d in sorted(self.decisions.items())
                if d.active]


def run(rule_versions, snapshot, active, records, loader, remember=None,
        now=None):
    """Evaluate, then enforce; see ``enforcement.execute`` for remember."""
    latest = evaluator.latest_versions(rule_versions)
    evaluation = evaluator.evaluate(latest.values(), snapshot, active)
    decisions = {d.id: d for d in active}
    for change in evaluation.changes:
        decisions[change.decision.id] = change.decision
    steps, problems = enforcement.plan(decisions.values(), latest.values(),
                                       records, loader.cls)
    outcome = enforcement.execute(steps, loader.get, decisions,
                                  now or timeutils.utcnow(), remember)
    return Run(evaluation, outcome, problems + outcome.problems, decisions)
