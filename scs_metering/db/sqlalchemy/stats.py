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
"""Figures about the store, read when a metrics endpoint is scraped.

Each is one aggregate query over an indexed column or a small table, so
a scrape stays cheap on a large store.
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import throttling_models

FINDINGS = (('missed_create', models.ReconciliationRun.missed_creates),
            ('missed_delete', models.ReconciliationRun.missed_deletes),
            ('drift', models.ReconciliationRun.drift))


def _age(now, moment):
    return (now - timeutils.from_db(moment)).total_seconds()


def reader(url):
    """A function reading the figures of the database at ``url``.

    It keeps no connection open between scrapes: it runs in a parent
    process that forks workers, which must not inherit a live connection.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    return lambda: read(engine)


def read(engine, now=None):
    """{metric name: [(label values, value)]}, see scs_metering.metrics."""
    now = now or timeutils.utcnow()
    out = {}
    with engine.connect() as db:
        names = dict(db.execute(sa.select(models.Sink.id,
                                          models.Sink.name)).all())
        outbox = db.execute(sa.select(
            models.Outbox.sink_id, models.Outbox.state, sa.func.count(),
            sa.func.min(models.Outbox.created_at)).where(
            models.Outbox.state.in_(
                (api_models.PENDING, api_models.DEAD))).group_by(
            models.Outbox.sink_id, models.Outbox.state))
        pending = {sink_id: (0, None) for sink_id in names}
        dead = dict.fromkeys(names, 0)
        for sink_id, state, count, oldest in outbox:
            if state == api_models.PENDING:
                pending[sink_id] = (count, oldest)
            else:
                dead[sink_id] = count
        out['scs_metering_sink_backlog'] = [
            ((names[s],), n) for s, (n, _oldest) in pending.items()]
        out['scs_metering_sink_oldest_pending_seconds'] = [
            ((names[s],), _age(now, oldest) if oldest else 0)
            for s, (_n, oldest) in pending.items()]
        out['scs_metering_sink_dead_letters'] = [
            ((names[s],), n) for s, n in dead.items()]
        status = list(db.execute(sa.select(
            models.SinkStatus.sink_id, models.SinkStatus.delivered,
            models.SinkStatus.failed_attempts)))
        out['scs_metering_sink_delivered'] = [
            ((names[s],), delivered) for s, delivered, _f in status]
        out['scs_metering_sink_failures'] = [
            ((names[s],), failed) for s, _d, failed in status]
        out['scs_metering_window_lag_seconds'] = [
            ((meter,), _age(now, closed_until)) for meter, closed_until in
            db.execute(sa.select(models.WindowState.meter,
                                 models.WindowState.closed_until))]
        out['scs_metering_meter_stalled'] = [
            ((meter,), attempts) for meter, attempts in db.execute(
                sa.select(models.StalledMeter.meter,
                          models.StalledMeter.attempts))]
        parked = models.ParkedGroup
        out['scs_metering_parked_groups'] = [
            ((meter,), count) for meter, count in db.execute(
                sa.select(parked.meter, sa.func.count()).group_by(
                    parked.meter))]
        runs = throttling_models.Run
        out['scs_metering_throttling_run_failed'] = [
            ((evaluator,), int(status == 'failed'))
            for evaluator, status in db.execute(sa.select(runs.evaluator,
                                                          runs.status))]
        out['scs_metering_throttling_problems'] = [
            ((evaluator,), problems) for evaluator, problems in db.execute(
                sa.select(runs.evaluator, runs.problems))]
        decision = throttling_models.Decision
        out['scs_metering_throttling_decisions'] = [
            ((state,), count) for state, count in db.execute(
                sa.select(decision.state, sa.func.count()).where(
                    decision.state.in_(('open', 'lifted'))).group_by(
                    decision.state))]
        out['scs_metering_quarantine_entries'] = [((), db.scalar(
            sa.select(sa.func.count()).select_from(models.Quarantine)))]
        findings = db.execute(sa.select(
            models.ReconciliationRun.resource_type,
            *(sa.func.sum(column) for _kind, column in FINDINGS)).group_by(
            models.ReconciliationRun.resource_type))
        out['scs_metering_reconciliation_findings'] = [
            ((rtype, kind), int(total or 0))
            for rtype, *totals in findings
            for (kind, _column), total in zip(FINDINGS, totals)]
    return out
