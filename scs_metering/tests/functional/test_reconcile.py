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
"""Reconciliation of a simulated cloud whose bus loses notifications.

The simulated cloud sends real-format nova and cinder notifications to
RabbitMQ, losing 10% of them; the agent and the engine run as their
console scripts on PostgreSQL; the reconciler lists the simulated APIs
through keystoneauth every 30 simulated minutes. Usage after
reconciliation must equal the simulator's ground truth wherever the APIs
date every fact, and differ from it by no more than the uncertainty the
periods carry elsewhere.
"""

import datetime
import os
import uuid

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.reconcile import client
from scs_metering.reconcile import runner
from scs_metering.reconcile import scheduler
from scs_metering.tests import bounds
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests.simulator import cloud as sim_cloud
from scs_metering.tests.simulator import simulation

HOUR = datetime.timedelta(hours=1)
# Load balancers are only listed, never notified. (Images are metered
# in daily windows, which a few simulated hours do not close.)
TYPES = simulation.NOTIFIED + ('loadbalancer',)
METERS = {'instance': 'instance', 'volume': 'volume.size',
          'snapshot': 'snapshot.size', 'floating_ip': 'floating_ip',
          'router': 'router', 'dns_zone': 'dns_zone',
          'loadbalancer': 'loadbalancer'}
# The services that notify, and the exchanges they default to.
NOTIFYING = {'cinder': 'openstack', 'neutron': 'neutron',
             'designate': 'designate'}
RECONCILE_EVERY = datetime.timedelta(minutes=30)
SEED = int(os.environ.get('SCS_METERING_TEST_SEED', '20261126'))
REDIS_URL = os.environ.get('SCS_METERING_TEST_REDIS_URL',
                           'redis://127.0.0.1:6379')


class LossyCloudTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database('postgresql')
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        exchanges = {name: '%s-%s' % (default, self.pipeline.uid)
                     for name, default in NOTIFYING.items()}
        settings = ('[notification]\nenabled_services = nova,%s\n%s\n'
                    '[reconciliation]\nresource_types = %s\n' % (
                        ','.join(sorted(exchanges)), ''.join(
                            '%s_exchange = %s\n' % item
                            for item in sorted(exchanges.items())),
                        ','.join(TYPES)))
        for service in (self.pipeline.agent, self.pipeline.engine):
            self.pipeline.override(service, settings)
        broker = services.Broker()
        self.addCleanup(broker.close)
        self.addCleanup(broker.delete, queues=[
            '%s.%s' % (self.pipeline.pool, name) for name in exchanges],
            exchanges=list(exchanges.values()))
        exchanges['nova'] = self.pipeline.nova_exchange
        # Whole hours in the past: every window ends before real now.
        self.t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * HOUR
        self.sim = simulation.Simulation(
            self.t0, services.amqp_url(base.RABBIT_URL), seed=SEED,
            exchanges=exchanges,
            drop=0.1, creates=0.8)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        self.sim.configure(self.conf)
        self.config('reconciliation', resource_types=list(TYPES),
                    page_size=7)
        self.definitions_ = loader.load(self.conf)
        self.reconciler = runner.Reconciler(
            self.conf, self.connection, client.Cloud(self.conf),
            self.definitions_, host='test', clock=self.sim.clock.now)
        self.reports = []

    def notified(self):
        """Every notification that got through is stored."""
        with self.connection._reader() as session:
            stored = session.scalar(sa.select(sa.func.count()).where(
                models.Event.provenance == 'notification'))
        return stored == len(self.sim.notifier.sent)

    def reconcile(self, now):
        last = self.reports[-1].started_at if self.reports else None
        if last is not None and now - last < RECONCILE_EVERY:
            return
        services.wait_for(self.notified, 60, what='notifications stored')
        for resource_type in TYPES:
            report = self.reconciler.run(resource_type)
            self.assertEqual('success', report.status, report.summary())
            self.reports.append(report)

    def closed(self, horizon):
        with self.connection._reader() as session:
            closed = dict(session.execute(sa.select(
                models.WindowState.meter,
                models.WindowState.closed_until)).all())
        return all(closed.get(m) and timeutils.from_db(closed[m]) >= horizon
                   for m in METERS.values())

    def history(self, resource):
        """What went wrong with one resource, for the failure message."""
        with self.connection._reader() as session:
            found = session.execute(sa.select(
                models.Event.action, models.Event.event_time,
                models.Event.provenance, models.Event.time_min,
                models.Event.time_max).join(models.Resource).where(
                models.Resource.resource_id == resource.resource_id)).all()
        return {'truth': self.sim.cloud.truth[(resource.resource_type,
                                               resource.resource_id)],
                'created': resource.created_at,
                'dropped': [(m['event_type'], m['timestamp']) for m in
                            self.sim.notifier.dropped
                            if resource.resource_id in str(m)],
                'events': found,
                'periods': self.connection.periods(resource.resource_type,
                                                   resource.resource_id)}

    def test_usage_after_reconciliation_matches_ground_truth(self):
        self.pipeline.start()
        self.sim.workload.run(4 * 3600, tick=300, resource_types=TYPES,
                              between=self.reconcile)
        self.reports = []
        self.reconcile(self.sim.clock.now())
        margin = datetime.timedelta(
            seconds=self.conf.reconciliation.clock_margin)
        horizon = timeutils.window_floor(
            self.reports[-1].started_at - margin, 3600)
        services.wait_for(lambda: self.closed(horizon), 60,
                          what='windows closed up to %s' % horizon)
        self.assertGreater(len(self.sim.notifier.dropped), 5)

        measured = {}
        for record in self.connection.current_records(end=horizon):
            key = (record.resource_type, record.resource_id, record.meter)
            measured[key] = measured.get(key, 0) + int(record.quantity)
        exact = inferred = invisible = 0
        runs = {}
        for run in self.connection.runs(limit=1000):
            runs.setdefault(run['resource_type'], []).append(
                timeutils.from_db(run['started_at']))
        limits = bounds.Bounds(self.connection, self.sim.cloud.truth,
                               self.sim.notifier.dropped, runs,
                               simulation.NOTIFIED)
        for resource_type in TYPES:
            meter = self.definitions_.meters[METERS[resource_type]]
            for resource in self.sim.cloud.all(resource_type):
                rid = resource.resource_id
                key = (resource_type, rid)
                truth = sim_cloud.truth_quantity(
                    self.sim.cloud.truth[key], meter, self.t0, horizon)
                got = measured.get((resource_type, rid, meter.name), 0)
                bound = limits.inferred(key, meter, self.t0, horizon)
                unseen = limits.invisible(key, meter, self.t0, horizon)
                invisible += bool(unseen)
                self.assertLessEqual(abs(got - truth), bound + unseen, (
                    resource_type, rid, got, truth, bound, unseen,
                    runs[resource_type], self.history(resource)))
                if got == truth:
                    exact += 1
                else:
                    inferred += 1
        # Most lives are dated exactly; the rest stay within their bounds.
        self.assertGreater(exact, 20)
        self.addDetail('exact', services.content.text_content(
            '%d exact, %d within bounds (%d with a lost change no listing '
            'saw), %d notifications dropped' % (
                exact, inferred, invisible,
                len(self.sim.notifier.dropped))))
        reports = self.connection.runs(limit=1000)
        self.assertGreater(sum(r['missed_creates'] for r in reports), 0)


class SplitReconcilersTest(base.FunctionalTestCase):
    """Two reconcilers share the types through tooz over the real Redis."""

    def test_each_type_runs_once_per_interval(self):
        self.require('redis')
        connection = self.database('sqlite')
        t0 = datetime.datetime(2026, 3, 2, 8, 0,
                               tzinfo=datetime.timezone.utc)
        sim = simulation.Simulation(t0, 'memory://', seed=5)
        sim.start()
        self.addCleanup(sim.stop)
        sim.configure(self.conf)
        group = uuid.uuid4().hex
        self.patch(scheduler, 'GROUP', group.encode())
        types = ['instance', 'volume', 'snapshot', 'backup', 'floating_ip',
                 'router', 'image', 'loadbalancer', 'dns_zone']
        self.config('reconciliation', resource_types=types,
                    default_interval=600, coordination_url=REDIS_URL)
        definitions = loader.load(self.conf)
        members = []
        for name in ('a', 'b'):
            # Fixed member ids (in a group of this test's own) make the
            # ring's split of the types the same on every run.
            plan = scheduler.Scheduler(
                self.conf, connection, 'reconciler-' + name,
                sim.clock.now)
            plan.start()
            self.addCleanup(plan.stop)
            members.append((plan, runner.Reconciler(
                self.conf, connection, client.Cloud(self.conf), definitions,
                host=name, clock=sim.clock.now)))

        def split():
            # Each sees the other join once its watchers have run.
            owned = [set(plan.owned()) for plan, _ in members]
            return (owned[0] and owned[1] and not owned[0] & owned[1] and
                    owned[0] | owned[1] == set(types))
        services.wait_for(split, 10, what='the types split in two')
        ran = []
        for _tick in range(12):  # an hour, in 5 minute ticks
            for plan, reconciler in members:
                ran += [(r.resource_type, reconciler.host,
                         r.started_at) for r in plan.run_due(reconciler)]
            sim.clock.advance(300)
        by_type = {}
        for resource_type, host, started in ran:
            by_type.setdefault(resource_type, []).append((host, started))
        self.assertEqual(sorted(types), sorted(by_type))
        hosts = set()
        for resource_type, runs in by_type.items():
            # Every 10 minutes, by one reconciler only.
            self.assertEqual([t0 + datetime.timedelta(minutes=m)
                              for m in range(0, 60, 10)],
                             [started for _, started in runs], resource_type)
            self.assertEqual(1, len({host for host, _ in runs}))
            hosts.update(host for host, _ in runs)
        self.assertEqual({'a', 'b'}, hosts)
