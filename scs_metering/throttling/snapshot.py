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
"""The usage a run of the evaluator decides on, as plain values.

Storage builds a snapshot in two steps, so that it runs a few set-based
queries on the usage rollups and the rated lines, never one per project:

1. ``Snapshot(as_of, projects, ...)`` without totals, and
   ``snapshot.needs(rules)``: which totals the rules read, as Need keys
   (a meter or a currency, and a UTC window) with the projects that need
   each. Billing-period windows differ by the projects' billing cycles;
   rolling and lifetime windows are the same for every project.
2. ``snapshot.with_totals(totals)``: for each Need, the entries of each
   project (its per-attribute sums), where a project with no usage is
   simply absent.

A Need missing from the totals is an error of the rules that read it,
never a zero: a query that failed must not close a decision.
"""

import dataclasses
import typing

from scs_metering.rating import periods
from scs_metering.throttling import windows

DEFAULT_CYCLE = periods.BillingCycle(1, 'UTC')


class Need(typing.NamedTuple):
    """Totals of a source over [start, end).

    ``kind`` and ``name`` are a metric's source: ('cost', 'EUR') or
    ('quantity', 'volume.size').
    """

    kind: str
    name: str
    start: object
    end: object


class Entry(typing.NamedTuple):
    """One sum of a project's usage or rated amounts.

    ``value`` is a quantity in the meter's unit (snapshot.meter_units)
    for a quantity Need, an amount in the Need's currency for a cost
    Need. ``attributes`` are the records' attributes the sum is grouped
    by, which rules match on.
    """

    meter: str
    attributes: dict
    value: object


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Usage and costs of ``projects`` up to ``as_of``.

    ``projects`` maps each project to its domain; ``cycles`` maps a
    project to the BillingCycle of its subscription, ``default_cycle``
    serves the others; ``meter_units`` gives each meter's unit.
    """

    as_of: object
    projects: dict
    meter_units: dict = dataclasses.field(default_factory=dict)
    cycles: dict = dataclasses.field(default_factory=dict)
    default_cycle: periods.BillingCycle = DEFAULT_CYCLE
    totals: dict = dataclasses.field(default_factory=dict)

    def windows(self, window, project_ids):
        """{Period: [project ids]} of a rule's window, in id order."""
        if window.type != windows.BILLING_PERIOD:
            return {window.bounds(self.as_of, None): sorted(project_ids)}
        by_cycle = {}
        for project_id in sorted(project_ids):
            by_cycle.setdefault(self.cycles.get(
                project_id, self.default_cycle), []).append(project_id)
        found = {}
        for cycle, members in by_cycle.items():
            bounds = window.bounds(self.as_of, cycle)
            found.setdefault(bounds, []).extend(members)
        return found

    def in_scope(self, scope):
        """The snapshot's projects a rule's scope covers, sorted."""
        if scope.type == 'project':
            return [scope.id] if scope.id in self.projects else []
        return sorted(p for p, d in self.projects.items()
                      if scope.contains(p, d))

    def needs(self, rules):
        """{Need: frozenset(project ids)} that ``rules`` will read."""
        found = {}
        for rule in rules:
            if not rule.enabled:
                continue
            kind, name = rule.metric.source
            for bounds, members in self.windows(
                    rule.window, self.in_scope(rule.scope)).items():
                found.setdefault(Need(kind, name, bounds.start, bounds.end),
                                 set()).update(members)
        return {need: frozenset(members) for need, members in found.items()}

    def with_totals(self, totals):
        return dataclasses.replace(self, totals=totals)


def need_of(metric, bounds):
    kind, name = metric.source
    return Need(kind, name, bounds.start, bounds.end)
