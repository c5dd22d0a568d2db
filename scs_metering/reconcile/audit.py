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
"""Audit notifications as StackTach used them: heartbeats and checks.

An ``*.exists`` notification says a resource existed, in a given state,
at a given time. The engine folds it like any snapshot, which already
corrects a timeline that missed the resource's create or a change. This
check looks at every audit event stored since its last pass and records
what it found: matched (and then a heartbeat: the resource is known alive
at that time, which narrows the bounds of a later inferred delete), a
missed create or a drift the audit corrected, or a conflict the engine
cannot fold (an audit of a resource it has ended), which is reported for
an operator. Each pass is stored per resource type in
``reconciliation_runs`` with status ``audit``.
"""

import datetime

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.reconcile import diff
from scs_metering.reconcile import runner

LOG = log.getLogger(__name__)
AUDIT = models.AUDIT
# Events are read up to this long before now, so that a transaction
# still committing when a pass starts is read by the next pass.
LAG = datetime.timedelta(seconds=60)


class AuditCheck:

    def __init__(self, connection, host, clock=timeutils.utcnow):
        self.connection = connection
        self.host = host
        self.clock = clock

    def run(self):
        """Check the audits received since the last pass; return reports."""
        until = self.clock() - LAG
        since = self.connection.last_started(AUDIT, AUDIT) or timeutils.EPOCH
        reports = {}
        for chunk in self.connection.audit_events(since, until):
            periods = self.connection.resource_periods(
                {pk for pk, _e in chunk})
            seen = []
            for pk, event in chunk:
                report = reports.setdefault(event.resource_type,
                                            runner.Report(
                                                event.resource_type, until))
                report.listed += 1
                kind = classify(event, periods[pk])
                report.count(kind)
                if kind == diff.MATCHED:
                    seen.append((pk, event.time))
                elif kind == diff.CONFLICT:
                    LOG.warning('Audit of %s %s at %s: the engine has no '
                                'life of it then', event.resource_type,
                                event.resource_id, event.time)
            self._note_alive(seen)
        # One row per type checked, and one that says how far the audits
        # are read, even when none came.
        mark = runner.Report(AUDIT, until, listed=sum(
            r.listed for r in reports.values()))
        for report in list(reports.values()) + [mark]:
            report.status, report.finished_at = AUDIT, self.clock()
            run_id = self.connection.start_run(report.resource_type, self.host,
                                               until)
            self.connection.finish_run(run_id, report)
            if report is not mark:
                LOG.info('Audit of %s', report.summary())
        return sorted(reports.values(), key=lambda r: r.resource_type)

    def _note_alive(self, seen):
        """A matched audit: the resource was alive then, at the latest."""
        latest = {}
        for pk, when in seen:
            latest[pk] = max(when, latest.get(pk, when))
        self.connection.note_alive(latest)


def classify(event, periods):
    """What an audit event tells of the timeline the engine has."""
    for index, period in enumerate(periods):
        if period.start_event_id == event.id:
            # The audit changed the timeline: the engine had missed the
            # life's start, or a change.
            before = periods[index - 1] if index else None
            if before is None or before.end != period.start:
                return diff.CREATED
            return diff.DRIFT
    if any(p.covers(event.time) for p in periods):
        return diff.MATCHED
    return diff.CONFLICT
