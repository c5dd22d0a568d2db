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
"""One resilience run: a simulated cloud, the product, and the faults.

The simulated cloud (scs_metering.tests.simulator) runs a seeded workload on a
compressed clock and sends real-format notifications to RabbitMQ; agents
and engines run as real processes on PostgreSQL and push to a webhook;
reconcilers run in this process, on the simulated clock, against the
simulated APIs. A seeded plan of faults is played on the way. At the
end everything is brought back up, the last windows settle, and the
checks compare what the webhook received with the ground truth.

    run = ChaosRun(test, profile, seed)
    run.execute()        # fails the test with the report if a check fails
"""

import dataclasses
import datetime
import logging
import math
import os
import random
import sys
import time
import uuid

from cryptography import fernet
import fixtures
from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.publisher import manager
from scs_metering.reconcile import client
from scs_metering.reconcile import runner
from scs_metering.reconcile import scheduler
from scs_metering.tests import bounds
from scs_metering.tests.chaos import checks
from scs_metering.tests.chaos import deployment as deploy
from scs_metering.tests.chaos import faults as chaos_faults
from scs_metering.tests.chaos import report as chaos_report
from scs_metering.tests.chaos import rgw as chaos_rgw
from scs_metering.tests.functional import services
from scs_metering.tests.simulator import simulation

# Every type the simulated APIs list; the simulator notifies some.
TYPES = ('instance', 'volume', 'snapshot', 'backup', 'floating_ip',
         'router', 'image', 'loadbalancer', 'dns_zone')
# What the reconcilers run: those, and the simulated RGW's poller.
RECONCILED = TYPES + (chaos_rgw.RESOURCE_TYPE,)
REDIS_URL = os.environ.get('SCS_METERING_TEST_REDIS_URL',
                           'redis://127.0.0.1:6379')
HOUR = 3600
DAY = 86400
# What the database's clients see while it is down: oslo.db does not
# translate every connection failure of a recent libpq.
DOWN = (db_exc.DBError, sa.exc.OperationalError)


@dataclasses.dataclass
class Profile:
    """The size of a run and the faults it plays.

    ``creates`` is the chance per tick and resource type that a resource
    is created; ``deletes`` and ``resizes`` the chance per tick and live
    resource. ``faults`` maps fault kinds (faults.py) to how many.
    """

    name: str
    days: float
    projects: int
    creates: float
    deletes: float
    resizes: float
    faults: dict
    agents: int = 1
    engines: int = 1
    reconcilers: int = 1
    # (fault kind, process index) killed once, never restarted.
    permanent_kills: tuple = ()
    drop: float = 0.02
    duplicate: float = 0.02
    delay: float = 0.02
    reorder: float = 0.02
    # Simulated seconds a delayed notification waits.
    delay_for: tuple = (300, 3 * HOUR)
    tick: int = 300
    reconcile_every: int = HOUR
    # Real seconds to wait for the product at the end.
    settle_timeout: int = 600

    def expected_resources(self):
        ticks = self.days * DAY / self.tick
        return int(ticks * self.creates * len(TYPES))


def seed_from_env(default=None):
    """SCS_METERING_CHAOS_SEED, the default, or a fresh one."""
    value = os.environ.get('SCS_METERING_CHAOS_SEED')
    if value:
        return int(value)
    return default if default is not None else random.SystemRandom(
    ).randrange(10 ** 6)


def say(text):
    """To the terminal: the chaos environment leaves stderr uncaptured."""
    sys.stderr.write(text + '\n')
    sys.stderr.flush()


class ChaosRun:

    def __init__(self, test, profile, seed):
        self.test = test
        self.profile = profile
        self.seed = seed
        self.rng = random.Random('faults-%d' % seed)
        self.lines = []
        self.reports = []
        self.failed_runs = []
        # (refused run, the run with the threshold lifted)
        self.operated = []
        self.sent_ids = set()
        self._counted = 0
        self.timings = {}

    def log(self, text):
        self.lines.append(text)
        say('[chaos %s seed %d] %s' % (self.profile.name, self.seed, text))

    # Setting up

    def set_up(self):
        test, profile = self.test, self.profile
        # Thousands of listings: their requests are not worth a log line.
        for name in ('keystoneauth', 'amqp', 'kombu', 'urllib3'):
            test.useFixture(fixtures.LogHandler(
                logging.NullHandler(), name=name, level=logging.WARNING,
                nuke_handlers=False))
        test.require('rabbitmq')
        if profile.reconcilers > 1:
            test.require('redis')
        self.connection = test.database('postgresql')
        url = test.conf.database.connection
        self.database = deploy.Database(url)
        test.addCleanup(self.database.close)
        # Cleanups run last first: the database is up again before it is
        # dropped, whatever the run left it in.
        test.addCleanup(self._database_up)
        days = math.ceil(profile.days)
        # Whole days in the past: every window ends before real now.
        self.t0 = timeutils.window_floor(timeutils.utcnow(), DAY) - (
            datetime.timedelta(days=days + 2))
        self.t_end = self.t0 + datetime.timedelta(days=profile.days)
        key = fernet.Fernet.generate_key().decode()
        test.config('publisher', secret_keys=[key])
        self.receiver = checks.Receiver(hmac_key='chaos-hmac')
        test.addCleanup(self.receiver.stop)
        self.sink = manager.store(test.conf, self.connection, {
            'name': 'billing', 'driver': 'http', 'url': self.receiver.url,
            'options': {'batch_size': 500, 'linger': 0, 'concurrency': 2,
                        'timeout': 1},
            'secrets': {'hmac_key': 'chaos-hmac'}})
        sections = {
            'agent': dict(services.FAST['agent']),
            'engine': dict(services.FAST['engine'], metering_start=(
                timeutils.isoformat(self.t0))),
            'publisher': {'interval': 0.2, 'secret_keys': key, 'lease': 10,
                          'backoff_initial': 0.2, 'backoff_max': 2},
            'reconciliation': {'resource_types': ','.join(RECONCILED)},
        }
        self.deployment = test.useFixture(deploy.Deployment(
            test, url, sections, agents=profile.agents,
            engines=profile.engines))
        self.sim = simulation.Simulation(
            self.t0, self.deployment.amqp_url, seed=self.seed,
            projects=profile.projects, exchanges=deploy.EXCHANGES,
            drop=profile.drop, delay=profile.delay,
            duplicate=profile.duplicate, reorder=profile.reorder,
            delay_for=profile.delay_for, durable=True,
            creates=profile.creates, deletes=profile.deletes,
            resizes=profile.resizes)
        self.sim.start()
        test.addCleanup(self.sim.stop)
        self.sim.configure(test.conf)
        self.rgw = chaos_rgw.Traffic(test, self.seed, self.sim.cloud.projects,
                                     self.t_end)
        self.rgw.configure(test)
        test.config('reconciliation', resource_types=list(RECONCILED),
                    default_interval=profile.reconcile_every,
                    page_size=500, coordination_url=(
                        REDIS_URL if profile.reconcilers > 1 else None))
        self.definitions = loader.load(test.conf)
        self.meters = {m.resource_type: m
                       for m in self.definitions.meters.values()
                       if m.resource_type in TYPES}
        self._reconcilers(profile.reconcilers)
        self.faults = chaos_faults.plan(self.rng, profile, self.t0,
                                        self.t_end)
        self.injector = chaos_faults.Injector(
            self.faults, self.deployment, self.database, self.sim,
            self.receiver, self.rng)

    def _reconcilers(self, count):
        # A group of this run's own: reconcilers of other runs on the
        # same Redis stay apart.
        self.test.patch(scheduler, 'GROUP',
                        ('scs-chaos-%s' % uuid.uuid4().hex).encode())
        self.members = []
        for n in range(count):
            plan = scheduler.Scheduler(
                self.test.conf, self.connection,
                'chaos-reconciler-%d' % n, self.sim.clock.now)
            plan.start()
            self.test.addCleanup(plan.stop)
            cloud = client.Cloud(self.test.conf)
            self.test.addCleanup(cloud.close)
            self.members.append((plan, runner.Reconciler(
                self.test.conf, self.connection, cloud, self.definitions,
                host='chaos-reconciler-%d' % n, clock=self.sim.clock.now)))
        if count > 1:
            def split():
                owned = [set(plan.owned()) for plan, _ in self.members]
                return all(owned) and set().union(*owned) == set(RECONCILED)
            services.wait_for(split, 30, what='the types split')

    def _database_up(self):
        if not deploy.functional.reachable('postgresql'):
            self.database.start()
        self.database.unblock()

    # Running

    def execute(self):
        started = time.monotonic()
        self.set_up()
        self.log('seed %d (SCS_METERING_CHAOS_SEED=%d replays it): %s days '
                 'from %s, %d projects, about %d resources, %d agents, %d '
                 'engines, %d reconcilers' % (
                     self.seed, self.seed, self.profile.days, self.t0,
                     self.profile.projects,
                     self.profile.expected_resources(),
                     self.profile.agents, self.profile.engines,
                     self.profile.reconcilers))
        for fault in self.faults:
            self.log('plan: %s' % fault.describe())
        self.deployment.start_all()
        self.next_reconcile = self.next_day = self.t0
        self.started = time.monotonic()
        mark = time.monotonic()
        self.sim.workload.run((self.t_end - self.t0).total_seconds(),
                              tick=self.profile.tick, resource_types=TYPES,
                              between=self.step)
        self.timings['simulated weeks'] = time.monotonic() - mark
        mark = time.monotonic()
        self.finish()
        self.timings['settling'] = time.monotonic() - mark
        mark = time.monotonic()
        results = self.check()
        self.timings['checks'] = time.monotonic() - mark
        self.timings['total'] = time.monotonic() - started
        report = self.report(results)
        with open(chaos_faults.report_path('%s-%d.txt' % (
                self.profile.name, self.seed)), 'w') as f:
            f.write(report)
        self.test.addDetail('chaos report', services.content.text_content(
            report))
        say(report)
        failed = [r for r in results if r.failures]
        if failed:
            self.test.fail('seed %d: %s' % (self.seed, '\n'.join(
                str(r) for r in failed)))
        return results

    def step(self, now):
        if now >= self.next_day:
            self.progress(now)
            self.next_day += datetime.timedelta(days=1)
        self.sim.notifier.release(now)
        self.injector.step(now)
        self.rgw.step(now)
        if now >= self.next_reconcile:
            self.reconcile(now)
            self.next_reconcile = now + datetime.timedelta(
                seconds=self.profile.reconcile_every)

    def progress(self, now):
        cloud = self.sim.cloud
        self.log('%s after %.0f s: %d resources (%d alive), %d '
                 'notifications, %d reconciliation runs, faults active: %s' %
                 (now, time.monotonic() - self.started,
                  sum(len(cloud.all(t)) for t in TYPES),
                  sum(len(cloud.live(t)) for t in TYPES),
                  len(self.sim.notifier.sent), len(self.reports),
                  ', '.join(f.kind for f in self.injector.active) or
                  'none'))

    def _unstored(self):
        """Notifications sent and not stored yet (None: cannot tell)."""
        sent = self.sim.notifier.sent
        self.sent_ids.update(m['message_id'] for m in sent[self._counted:])
        self._counted = len(sent)
        try:
            with self.connection._reader() as session:
                stored = session.scalar(sa.select(sa.func.count()).where(
                    models.Event.provenance == 'notification'))
        except DOWN:
            return None
        return len(self.sent_ids) - stored

    def wait_stored(self, timeout):
        mark = time.monotonic()
        try:
            services.wait_for(lambda: self._unstored() == 0, timeout,
                              interval=0.05, what='every notification stored')
        except services.Timeout as exc:
            raise AssertionError('%s: %s' % (exc, self._missing()))
        self.timings['waiting for ingest'] = self.timings.get(
            'waiting for ingest', 0) + time.monotonic() - mark

    def _missing(self):
        """What became of the notifications not stored, to explain."""
        with self.connection._reader() as session:
            stored = set(session.scalars(sa.select(
                models.Event.message_id).where(
                models.Event.provenance == 'notification')))
        missing = sorted(self.sent_ids - stored)
        quarantined = [q for q in self.connection.quarantined(limit=1000)
                       if q['message_id'] in missing or
                       any(m in q['raw'] for m in missing)]
        return '%d not stored (%s); quarantined among them: %s' % (
            len(missing), ', '.join(missing[:5]), [
                (q['message_id'], q['reason'][:200]) for q in quarantined])

    def reconcile(self, now):
        # Lagging behind is a fault of its own (played by the outages):
        # when nothing is down the product gets to catch up first.
        if self.injector.calm():
            self.wait_stored(300)
        mark = time.monotonic()
        for plan, reconciler in self.members:
            try:
                reports = plan.run_due(reconciler)
            except DOWN as exc:
                if not self.injector.database_down():
                    raise
                self.failed_runs.append((now, str(exc)[:200]))
                continue
            self.reports += reports
            for report in reports:
                self._operator(reconciler, report)
        self.timings['reconciling'] = self.timings.get(
            'reconciling', 0) + time.monotonic() - mark

    def _operator(self, reconciler, report):
        """Act on a refused run as the admin guide tells an operator.

        A run that lacks too many resources is refused; once the API is
        known to be right again (no fault on it), the resources really
        are gone: the threshold is lifted for one run.
        """
        broken = any(f.kind == chaos_faults.API_FAIL and
                     f.resource_type == report.resource_type
                     for f in self.injector.active)
        if (report.status != api_models.REFUSED or broken or
                'missing' not in report.error):
            return
        self.test.conf.set_override('max_missing_fraction', 1.0,
                                    'reconciliation')
        try:
            again = reconciler.run(report.resource_type)
        finally:
            self.test.conf.clear_override('max_missing_fraction',
                                          'reconciliation')
        self.operated.append((report, again))
        self.reports.append(again)

    def finish(self):
        """Everything up, every message out, the last windows settled."""
        self.injector.end_all()
        self.rgw.heal()
        self.sim.notifier.flush()
        self.wait_stored(self.profile.settle_timeout)
        # Listings a clock margin after the last change infer every
        # delete; run each type until one such run succeeds.
        margin = datetime.timedelta(
            seconds=self.test.conf.reconciliation.clock_margin)
        final = self.t_end + margin
        # Bounded in real time: two reconcilers' views of the hash ring
        # can disagree for a few real seconds, in which a type runs
        # nowhere; the compressed clock would pass hours in them.
        deadline = time.monotonic() + self.profile.settle_timeout
        while True:
            uncovered = {t: self._last_success(t) for t in RECONCILED
                         if self._last_success(t) < final}
            if not uncovered:
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    'no final reconciliation succeeded by %s: last '
                    'successes %s; last runs %s' % (final, uncovered, [
                        r.summary() for r in self.reports[-len(RECONCILED):]]))
            ran = len(self.reports)
            self.sim.clock.advance(self.profile.tick)
            self.next_reconcile = self.sim.clock.now()
            self.reconcile(self.sim.clock.now())
            if len(self.reports) == ran:
                time.sleep(0.5)
        self.horizons = {
            m.name: timeutils.window_floor(self.t_end, m.window)
            for m in self.meters.values()}
        covered = min(self._last_success(t) for t in RECONCILED) - margin
        closing = {m.name: timeutils.window_floor(covered, m.window)
                   for m in list(self.meters.values()) + self.rgw.meters(
                       self.definitions)}
        try:
            services.wait_for(lambda: self._settled(closing),
                              self.profile.settle_timeout, interval=1,
                              what='windows closed, records delivered')
        except services.Timeout as exc:
            raise AssertionError('%s: %s' % (exc, self.behind))

    def _last_success(self, resource_type):
        last = self.connection.last_started(
            resource_type, status=api_models.SUCCESS)
        return last or self.t0

    def _settled(self, closing):
        with self.connection._reader() as session:
            closed = dict(session.execute(sa.select(
                models.WindowState.meter,
                models.WindowState.closed_until)).all())
            dirty = session.scalar(sa.select(sa.func.count()).where(
                models.Resource.dirty_from.is_not(None)))
            records = session.scalar(sa.select(sa.func.count()).select_from(
                models.UsageRecord)) + session.scalar(sa.select(
                    sa.func.count()).select_from(models.LifecycleRecord))
        # A meter none of whose windows has ended has no state yet.
        behind = [m for m, until in closing.items() if until > self.t0 and (
            closed.get(m) is None or timeutils.from_db(closed[m]) < until)]
        backlog = self.connection.sink_status(self.sink['id'])['backlog']
        self.behind = {
            'windows open': {m: (closed.get(m), closing[m]) for m in behind},
            'dirty resources': dirty, 'backlog': backlog,
            'records': records, 'delivered': len(self.receiver.delivered)}
        return not (behind or dirty or backlog or
                    len(self.receiver.delivered) < records)

    # Checking

    def check(self):
        runs = {}
        for run in self.connection.runs(limit=10 ** 6):
            if run['status'] == api_models.SUCCESS:
                runs.setdefault(run['resource_type'], []).append(
                    timeutils.from_db(run['started_at']))
        limits = bounds.Bounds(
            self.connection, self.sim.cloud.truth, self.sim.notifier.dropped,
            runs, simulation.NOTIFIED)
        return [
            checks.no_loss(self.connection, self.sim.notifier),
            checks.quarantine(self.connection, self.injector.malformed),
            checks.delivery(self.connection, self.receiver,
                            self.sink['id']),
            checks.single_close(self.connection),
            checks.accuracy(self.receiver, self.sim.cloud, self.meters,
                            limits, self.t0, self.horizons,
                            explain=lambda key: checks.history(
                                self.connection, self.sim.cloud,
                                self.sim.notifier, key)),
            checks.untouched(self.connection, self.sim.cloud,
                             set(limits.lost), simulation.NOTIFIED),
            self.rgw.check(self.receiver),
        ]

    def report(self, results):
        return chaos_report.render(self, results, TYPES)
