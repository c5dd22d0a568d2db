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
"""What a run of throttling reads from storage, at its start.

The latest version of every rule, the active decisions, the enforcement
records, and a snapshot of usage and costs, read set-based: one query
per Need (a meter or a currency over a window), from the usage rollups
and the rated lines, never the usage records of one project after
another. The periodic evaluator (engine) and the API's dry run read
through here, so a dry run sees what the next run will.
"""

from scs_metering.rating import periods
from scs_metering.rating import plans
from scs_metering.throttling import decisions as dec
from scs_metering.throttling import enforcement
from scs_metering.throttling import errors
from scs_metering.throttling import metrics
from scs_metering.throttling import rules as rules_
from scs_metering.throttling import snapshot as snapshot_

ACTIVE = (dec.OPEN, dec.LIFTED)


def latest_rules(connection):
    """The latest version of every rule, parsed.

    Their meters and enforcers are not checked here: a meter removed
    from the definitions fails its rule at evaluation, an enforcer that
    is gone fails its actions at enforcement, and either way the rule's
    decisions stay as they are.
    """
    return [rules_.parse_rule(v.document, rule_id=v.rule_id,
                              version=v.version)
            for v in connection.rule_versions(latest=True)]


def active_decisions(connection):
    return [dec.from_document(d)
            for d in connection.decisions(states=ACTIVE)]


def enforcement_records(connection):
    return [enforcement.from_document(d)
            for d in connection.enforcement_records()]


def keystone_domains(clients):
    """{project id: domain id} of every project Keystone has."""
    body = clients.identity('GET', '/projects')
    return {p['id']: p.get('domain_id') for p in body.get('projects', ())}


class Reader:
    """Builds the snapshot a run decides on.

    ``meter_units``: {meter: unit} of the definitions; ``timezone``:
    the billing time zone of subscriptions that name none, and of the
    default cycle (anchor 1) of projects without a subscription;
    ``domains``: a function returning {project: domain}, called only
    when a rule is scoped to a domain (Keystone's projects).
    """

    def __init__(self, connection, meter_units, timezone='UTC',
                 domains=None):
        self.connection = connection
        self.meter_units = dict(meter_units)
        self.timezone = timezone
        self.domains = domains

    def as_of(self):
        """The end of the last window every meter has closed, or None."""
        progress = [t for t in self.connection.window_progress().values()
                    if t is not None]
        return min(progress) if progress else None

    def cycles(self, project_ids):
        found = {}
        for stored in self.connection.subscriptions():
            if stored.project_id not in project_ids:
                continue
            sub = plans.parse_subscription(stored.document, self.timezone)
            found[stored.project_id] = sub.cycle
        return found

    def projects(self, rule_versions, owns):
        known = [p for p in self.connection.throttling_projects()
                 if owns(p)]
        domains = {}
        if any(r.scope.type == rules_.DOMAIN for r in rule_versions
               if r.enabled):
            if self.domains is None:
                raise errors.RunError('a rule is scoped to a domain, and '
                                      'no project directory is configured')
            domains = self.domains()
        return {p: domains.get(p) for p in known}

    def snapshot(self, rule_versions, as_of, owns=lambda _p: True):
        """The Snapshot of ``owns``' projects at ``as_of``, with totals."""
        projects = self.projects(rule_versions, owns)
        base = snapshot_.Snapshot(
            as_of, projects, meter_units=self.meter_units,
            cycles=self.cycles(set(projects)),
            default_cycle=periods.BillingCycle(1, self.timezone))
        totals = {}
        for need, members in base.needs(rule_versions).items():
            totals[need] = self.totals(need, members)
        return base.with_totals(totals)

    def totals(self, need, members):
        """{project: [Entry]} of one Need, for its member projects."""
        found = {}
        if need.kind == metrics.COST:
            rows = self.connection.rated_totals(need.name, need.start,
                                                need.end)
            value = 'amount'
        else:
            rows = self.connection.usage_report(
                start=need.start, end=need.end, meters=[need.name])
            value = 'quantity'
        for row in rows:
            if row['project_id'] in members:
                found.setdefault(row['project_id'], []).append(
                    snapshot_.Entry(row['meter'], row['attributes'] or {},
                                    row[value]))
        return found
