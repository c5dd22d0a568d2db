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
"""The periodic throttling evaluator, a worker of the engine.

Each run reads the latest rule versions at its start (so a rule edited
through the API decides the next run, with no restart and no RPC), a
snapshot of usage up to the last closed window, the active decisions
and the enforcement records; it evaluates, stores the decisions, and
only then enforces, so that an opening another engine stored first is
neither enforced nor announced twice.

Several engines split the projects on a tooz hash ring
(``[throttling] coordination_url``), as reconcilers split resource
types; each evaluates every rule over its own projects.

A run that cannot read its inputs decides nothing: no decision opens,
none closes, no limit moves. Rules or projects that cannot be evaluated
keep their decisions as they are, and enforcement steps that fail are
tried again at the next run. Every run is recorded for ``/v1/status``
and the ``scs_metering_throttling_*`` metrics.
"""

import collections
import contextlib

from oslo_log import log
from tooz import coordination

from scs_metering.common import timeutils
from scs_metering.throttling import enforcement
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling import evaluator
from scs_metering.throttling import inputs

LOG = log.getLogger(__name__)
GROUP = b'scs-metering-throttler'
SUCCESS, PARTIAL, FAILED = 'success', 'partial', 'failed'


class Partition:
    """Which projects this engine evaluates: all, or its share of a ring."""

    def __init__(self, url, member_id):
        self.coordinator = (coordination.get_coordinator(
            url, member_id.encode()) if url else None)
        self.partitioner = None

    def start(self):
        if self.coordinator is not None:
            self.coordinator.start(start_heart=True)
            self.partitioner = self.coordinator.join_partitioned_group(
                GROUP)

    def stop(self):
        if self.coordinator is not None:
            with contextlib.suppress(coordination.ToozError):
                self.coordinator.leave_partitioned_group(self.partitioner)
            self.coordinator.stop()

    def owner(self):
        """A function telling whether a project is this engine's now."""
        if self.coordinator is None:
            return lambda _project_id: True
        # Apply joins and leaves seen since the last look.
        self.coordinator.run_watchers()
        return self.partitioner.belongs_to_self


class Throttler:
    """One engine's evaluator; ``run`` is one pass, see the module doc."""

    def __init__(self, conf, connection, meter_units, name,
                 loader=None, partition=None, domains=None):
        self.connection = connection
        self.name = name
        self.loader = loader or loader_.Loader(conf)
        self.partition = partition or Partition(None, name)
        if domains is None:
            clients = self.loader.clients['clients']

            def domains():
                return inputs.keystone_domains(clients)
        self.reader = inputs.Reader(connection, meter_units,
                                    conf.billing.timezone, domains)

    def run(self, now=None):
        """Evaluate and enforce; the run's report, as stored."""
        started = timeutils.utcnow()
        now = now or started
        try:
            report, as_of, problems = self._run(now)
        except Exception as exc:
            LOG.exception('Throttling run failed; nothing was decided')
            report = {'error': '%s: %s' % (exc.__class__.__name__, exc)}
            self.connection.record_throttling_run(
                self.name, started, timeutils.utcnow(), FAILED, 0, {},
                error=report['error'])
            return dict(report, status=FAILED)
        status = PARTIAL if problems else SUCCESS
        self.connection.record_throttling_run(
            self.name, started, timeutils.utcnow(), status, problems,
            report, as_of=as_of)
        return dict(report, status=status)

    def _run(self, now):
        connection = self.connection
        rules = inputs.latest_rules(connection)
        owns = self.partition.owner()
        active = [d for d in inputs.active_decisions(connection)
                  if owns(d.project_id)]
        records = [r for r in inputs.enforcement_records(connection)
                   if owns(r.project_id)]
        as_of = self.reader.as_of()
        if as_of is None or not (rules or active or records):
            return {'rules': len(rules), 'note': 'nothing to evaluate'
                    if as_of else 'no usage window is closed yet'}, as_of, 0
        snapshot = self.reader.snapshot(rules, as_of, owns)
        evaluation = evaluator.evaluate(rules, snapshot, active)
        # Stored first: an opening another engine stored is its to act on.
        won = set(connection.save_decisions(
            [c.decision.document() for c in evaluation.changes], now))
        decisions = {d.id: d for d in active}
        counts = {evaluator.OPENED: 0, evaluator.UPDATED: 0,
                  evaluator.CLOSED: 0}
        for change in evaluation.changes:
            if change.kind == evaluator.OPENED and (
                    change.decision.id not in won):
                continue
            counts[change.kind] += 1
            decisions[change.decision.id] = change.decision
        steps, problems = enforcement.plan(decisions.values(), rules,
                                           records, self.loader.cls)

        def remember(record):
            connection.save_enforcements({record.key: record.document()},
                                         now)
        outcome = enforcement.execute(steps, self.loader.get, decisions,
                                      now, remember)
        connection.save_enforcements(
            {key: record and record.document()
             for key, record in outcome.records.items()}, now)
        problems += outcome.problems
        for failure in evaluation.failures:
            LOG.error('Throttling rule %s (version %s) not evaluated%s: %s',
                      failure.rule_id, failure.version,
                      ' for project %s' % failure.project_id
                      if failure.project_id else '', failure.reason)
        for problem in problems:
            LOG.error('Throttling enforcement of decision %s failed: %s',
                      problem.decision_id, problem.reason)
        report = dict(
            counts, rules=len(rules), projects=len(snapshot.projects),
            evaluated=evaluation.evaluated,
            failures=[f.document() for f in evaluation.failures],
            problems=[p.document() for p in problems],
            steps=dict(collections.Counter(e[0] for e in outcome.events)))
        return report, as_of, len(evaluation.failures) + len(problems)
