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
"""Throttling rules, decisions and enforcement records; a Connection mixin.

Rule versions are written once and never updated. Decisions are
inserted once per opening: the database refuses a second row with the
same ``dedup_key`` or a second active decision of one rule for one
project, so two evaluators racing on one run open, and announce, one
decision. Rated totals are streamed and summed exactly in Python: a rule
may match on the usage record's attributes, which are JSON text.
"""

import decimal

from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.common import jsonutils
from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import billing_models
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import throttling_models as tm

to_db = timeutils.to_db
from_db = timeutils.from_db
ACTIVE_STATES = ('open', 'lifted')


def _version(row):
    return api_models.RuleVersion(
        rule_id=row.rule_id, version=row.version, document=row.document,
        created_at=from_db(row.created_at), created_by=row.created_by)


def _decision_columns(document, now):
    active = document['state'] in ACTIVE_STATES
    return dict(
        state=document['state'], version=document['version'],
        closed_at=to_db(timeutils.parse(document.get('closed_at'))),
        active_key=('%s:%s' % (document['rule_id'], document['project_id'])
                    if active else None),
        document=document, updated_at=to_db(now))


class ThrottlingMixin:

    # Rules

    def create_rule(self, rule_id, document, now, author=None):
        try:
            with self._writer() as session:
                session.add(tm.Rule(id=rule_id, latest_version=1,
                                    created_at=to_db(now),
                                    updated_at=to_db(now)))
                session.flush()
                session.add(tm.RuleVersion(
                    rule_id=rule_id, version=1, document=document,
                    created_at=to_db(now), created_by=author))
        except db_exc.DBDuplicateEntry:
            raise api.Conflict('rule %s exists already' % rule_id)
        return api_models.RuleVersion(rule_id, 1, document, now, author)

    def add_rule_version(self, rule_id, document, now, author=None,
                         expected=None):
        with self._writer() as session:
            rule = session.scalars(sa.select(tm.Rule).where(
                tm.Rule.id == rule_id).with_for_update()).first()
            if rule is None:
                raise api.NotFound('no rule has id %s' % rule_id)
            if expected is not None and expected != rule.latest_version:
                raise api.Conflict(
                    'rule %s is at version %d, not %d: another change came '
                    'first' % (rule_id, rule.latest_version, expected))
            number = rule.latest_version + 1
            rule.latest_version = number
            rule.updated_at = to_db(now)
            session.add(tm.RuleVersion(
                rule_id=rule_id, version=number, document=document,
                created_at=to_db(now), created_by=author))
        return api_models.RuleVersion(rule_id, number, document, now, author)

    def rule_versions(self, rule_id=None, latest=False):
        version = tm.RuleVersion
        with self._reader() as session:
            query = sa.select(version).order_by(version.rule_id,
                                                version.version)
            if latest:
                query = query.join(tm.Rule, sa.and_(
                    tm.Rule.id == version.rule_id,
                    tm.Rule.latest_version == version.version))
            if rule_id is not None:
                query = query.where(version.rule_id == rule_id)
            found = [_version(r) for r in session.scalars(query)]
        if rule_id is not None and not found:
            raise api.NotFound('no rule has id %s' % rule_id)
        return found

    # Decisions

    def decisions(self, project_id=None, rule_id=None, states=None,
                  limit=None, marker=None):
        d = tm.Decision
        with self._reader() as session:
            query = sa.select(d.document).order_by(d.opened_at.desc(), d.id)
            if project_id is not None:
                query = query.where(d.project_id == project_id)
            if rule_id is not None:
                query = query.where(d.rule_id == rule_id)
            if states:
                query = query.where(d.state.in_(list(states)))
            if marker is not None:
                last = session.get(d, marker)
                if last is None:
                    raise api.NotFound('no decision has id %s' % marker)
                query = query.where(sa.or_(
                    d.opened_at < last.opened_at,
                    sa.and_(d.opened_at == last.opened_at, d.id > last.id)))
            if limit is not None:
                query = query.limit(limit)
            return list(session.scalars(query))

    def decision(self, decision_id):
        with self._reader() as session:
            found = session.scalar(sa.select(tm.Decision.document).where(
                tm.Decision.id == decision_id))
        if found is None:
            raise api.NotFound('no decision has id %s' % decision_id)
        return found

    def _insert_decision(self, document, now):
        try:
            with self._writer() as session:
                session.add(tm.Decision(
                    id=document['id'], dedup_key=document['dedup_key'],
                    rule_id=document['rule_id'],
                    project_id=document['project_id'],
                    opened_version=document['opened_version'],
                    opened_at=to_db(timeutils.parse(document['opened_at'])),
                    **_decision_columns(document, now)))
        except db_exc.DBDuplicateEntry:
            return False
        return True

    def save_decisions(self, documents, now):
        opened = []
        for document in documents:
            with self._reader() as session:
                known = session.scalar(sa.select(tm.Decision.id).where(
                    tm.Decision.id == document['id']))
            if known is None:
                if self._insert_decision(document, now):
                    opened.append(document['id'])
                continue
            with self._writer() as session:
                session.execute(sa.update(tm.Decision).where(
                    tm.Decision.id == document['id']).values(
                    **_decision_columns(document, now)))
        return opened

    def lift_decision(self, decision_id, lift, now):
        with self._writer() as session:
            row = session.scalars(sa.select(tm.Decision).where(
                tm.Decision.id == decision_id).with_for_update()).first()
            if row is None:
                raise api.NotFound('no decision has id %s' % decision_id)
            try:
                document = lift(row.document)
            except ValueError as exc:
                raise api.Conflict(str(exc))
            for name, value in _decision_columns(document, now).items():
                setattr(row, name, value)
        return document

    # Enforcement records

    def enforcement_records(self, project_id=None):
        e = tm.Enforcement
        with self._reader() as session:
            query = sa.select(e.document).order_by(e.enforcer, e.project_id,
                                                   e.target)
            if project_id is not None:
                query = query.where(e.project_id == project_id)
            return list(session.scalars(query))

    def save_enforcements(self, records, now):
        e = tm.Enforcement
        with self._writer() as session:
            for key in sorted(records):
                enforcer, project_id, target = key
                where = (e.enforcer == enforcer, e.project_id == project_id,
                         e.target == target)
                session.execute(sa.delete(e).where(*where))
                if records[key] is not None:
                    session.add(e(enforcer=enforcer, project_id=project_id,
                                  target=target, document=records[key],
                                  updated_at=to_db(now)))

    # Runs

    def record_throttling_run(self, evaluator, started_at, finished_at,
                              status, problems, report, as_of=None,
                              error=None):
        with self._writer() as session:
            row = session.get(tm.Run, evaluator)
            if row is None:
                row = tm.Run(evaluator=evaluator)
                session.add(row)
            row.started_at, row.finished_at = (to_db(started_at),
                                               to_db(finished_at))
            row.as_of, row.status, row.error = to_db(as_of), status, error
            row.problems, row.report = problems, report
            if status == 'success':
                row.last_success_at = to_db(finished_at)

    def throttling_runs(self):
        with self._reader() as session:
            return [{'evaluator': r.evaluator, 'status': r.status,
                     'started_at': from_db(r.started_at),
                     'finished_at': from_db(r.finished_at),
                     'as_of': from_db(r.as_of), 'error': r.error,
                     'problems': r.problems, 'report': r.report,
                     'last_success_at': from_db(r.last_success_at)}
                    for r in session.scalars(sa.select(tm.Run).order_by(
                        tm.Run.evaluator))]

    # What the evaluator reads

    def throttling_projects(self):
        daily = models.UsageRollupDaily
        sub = billing_models.Subscription
        with self._reader() as session:
            found = set(session.scalars(sa.select(daily.project_id).where(
                daily.project_id != '').distinct()))
            found.update(session.scalars(sa.select(sub.project_id).where(
                sub.project_id.is_not(None)).distinct()))
        return sorted(found)

    def rated_totals(self, currency, start, end):
        line = billing_models.RatedLine
        usage = models.UsageRecord
        query = sa.select(
            line.project_id, line.meter, usage.attributes, line.amount).join(
            usage, sa.and_(usage.id == line.usage_id,
                           usage.revision == line.usage_revision)).where(
            line.current.is_(True), line.currency == currency,
            line.project_id.is_not(None),
            line.window_start >= to_db(start), line.window_end <= to_db(end))
        totals = {}
        with self._reader() as session:
            for project_id, meter, attributes, amount in session.execute(
                    query.execution_options(yield_per=10000)):
                key = (project_id, meter, jsonutils.canonical_json(attributes))
                found = totals.setdefault(
                    key, [attributes, decimal.Decimal(0)])
                found[1] += amount
        return [{'project_id': key[0], 'meter': key[1],
                 'attributes': found[0], 'amount': found[1]}
                for key, found in sorted(totals.items())]
