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
"""Ingest: notifications/s and CPU per notification, RabbitMQ to PostgreSQL.

Method: the realistic mix of _mix.py (long-lived servers and volumes of
many projects and flavors, hourly audits, resizes and deletes, 5% held
back out of order, 1% duplicated), built once by the simulated cloud, in
nova's legacy and cinder's formats. Each service's count is a multiple
of the agent's batch size (256), so no listener waits out its batch
timeout at the end. A separate publisher process (_publisher.py) sends
the same bodies to each consumer measured, as fast as one kombu producer
can, on fresh exchanges; every consumer is attached before it starts.
A run measures, in turn (the order rotates from run to run):

- baseline: bare oslo.messaging batch listeners configured as the
  agent's (_listener.py), that only acknowledge; done when they have
  seen every notification;
- pipeline: scs-metering-agent and scs-metering-engine (one worker each,
  default batching) on a fresh PostgreSQL database; done when the engine
  has committed every distinct event the mix holds (polled every 0.1 s).
  The window closer does not run during the measurement (close_interval
  is set far beyond it): closing is measured by windows.py;
- ceilometer (``--anchor ceilometer``): Ceilometer's notification agent
  with two workers (_ceilometer.py); done when its publishers' files
  stop growing and its queue is empty.

The time runs from the first publish to the moment done; the rate is
notifications over that time. CPU is read from /proc (utime + stime)
of each process just before the first publish and just after done:
agent and engine (launcher and worker), the PostgreSQL backends of the
run's database, the RabbitMQ node (shared with any other user of it),
the baseline's and Ceilometer's processes, and the publisher's own.
Medians of --runs runs; the load average is recorded.

With --profile DIR, one more pipeline run (not counted) has py-spy
sample the agent's and the engine's workers (only while they run, 200
times a second, without stopping them); their collapsed stacks go to DIR
and the functions that hold most of the samples are printed. The results
of such an invocation are written as ingest-profile.json.
"""

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

from scs_metering.agent import converter
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering import service
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

import _ceilometer
import _common
import _listener
import _mix
import _profile
import _publisher

# The agent's defaults, which the baseline copies.
AGENT_BATCH_SIZE = 256
AGENT_BATCH_TIMEOUT = 1.0
# The window closer's first run is jittered over its interval: this keeps
# it out of any measurement.
NO_CLOSING = 10 ** 8
POLL = 0.1


def expected(bodies):
    """Distinct events and quarantine entries the pipeline must store."""
    convert = converter.Converter(loader.load_files(loader.shipped_files()))
    ids, quarantined = set(), 0
    for service_name, _topic, body in bodies:
        outcome = convert.convert(
            service_name, json.loads(json.loads(body)['oslo.message']))
        ids.update(e.id for e in outcome.events)
        quarantined += len(outcome.quarantined)
    return len(ids), quarantined


class Publisher:
    """The publisher process, ready to send the mix."""

    def __init__(self, path, exchanges, topics=None):
        self.process = subprocess.Popen(
            [sys.executable, _publisher.__file__,
             services.amqp_url(base.RABBIT_URL), path,
             json.dumps(exchanges), json.dumps(topics or {})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == 'ready'

    def go(self):
        self.process.stdin.write('go\n')
        self.process.stdin.flush()
        return float(self.process.stdout.readline().split()[1])

    def finish(self):
        """CPU seconds the publisher spent sending."""
        _end, cpu = self.process.stdout.readline().split()[1:]
        self.process.wait(60)
        return float(cpu)


def rabbit_pids():
    return _common.pids_named('beam.smp')


def measure(name, path, exchanges, done, groups, count, topics=None,
            profile=None):
    """Publish the mix, wait for ``done()``; return the figures."""
    publisher = Publisher(path, exchanges, topics)
    meter = _common.CPUMeter(groups)
    meter.sample()
    spies = profile() if profile else []
    start = publisher.go()
    while True:
        finished = done()
        meter.sample()
        if finished:
            break
        time.sleep(POLL)
    elapsed = finished - start
    _profile.stop(spies)
    cpu = meter.seconds()
    cpu['publisher'] = publisher.finish()
    rss = {g: sum(_common.peak_rss_mib(p) for p in pids())
           for g, pids in groups.items() if g != 'rabbitmq'}
    result = {'seconds': round(elapsed, 3), 'rate': count / elapsed,
              'cpu_us': {g: s * 1e6 / count for g, s in cpu.items()},
              'rss_mib': rss}
    cpu = ', '.join('%s %.0f' % item
                    for item in sorted(result['cpu_us'].items()))
    print('  %-9s %7.0f notifications/s, CPU us/notification: %s' % (
        name, result['rate'], cpu), flush=True)
    return result


def wait_consumers(broker, queues, consumers=1, check=None):
    def attached():
        if check is not None:
            check()
        return all((broker.queue(q) or (0, 0))[1] >= consumers
                   for q in queues)
    services.wait_for(attached, timeout=120, what='consumers on %s' % queues)


def baseline(broker, path, count, mix):
    uid = uuid.uuid4().hex[:8]
    pool = 'bench-baseline-%s' % uid
    exchanges = {s: '%s-bench-%s' % (s, uid) for s in mix['services']}
    process = subprocess.Popen(
        [sys.executable, _listener.__file__, base.RABBIT_URL, pool,
         str(count), str(AGENT_BATCH_SIZE), str(AGENT_BATCH_TIMEOUT)] +
        ['%s=%s' % item for item in sorted(exchanges.items())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    queues = ['%s.%s' % (pool, s) for s in exchanges]
    try:
        assert process.stdout.readline().strip() == 'ready'
        wait_consumers(broker, queues)

        def done():
            ready, _, _ = select.select([process.stdout], [], [], 0)
            if ready:
                return float(process.stdout.readline().split()[1])
            return None
        return measure('baseline', path, exchanges, done, {
            'listener': lambda: _common.tree(process.pid),
            'rabbitmq': rabbit_pids}, count)
    finally:
        process.stdin.close()
        process.wait(60)
        broker.delete(queues=queues, exchanges=list(exchanges.values()))


def pipeline(broker, path, count, mix, events, quarantined, profile=None):
    url, drop = base.create_database('postgresql')
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    uid = uuid.uuid4().hex[:8]
    exchanges = {s: '%s-bench-%s' % (s, uid) for s in mix['services']}
    try:
        conf = service.new_conf()
        conf([], project='scs-metering', default_config_files=[],
             default_config_dirs=[])
        conf.set_override('connection', url, 'database')
        db_api.get_connection(conf).upgrade()
        notification = {'enabled_services': ','.join(sorted(exchanges))}
        notification.update(('%s_exchange' % s, e)
                            for s, e in exchanges.items())
        # Production defaults but for the window closer.
        flow = services.Pipeline(None, url, options={
            'notification': notification,
            'engine': {'close_interval': NO_CLOSING}})
        flow.setUp()
        watch = engine.connect()
        try:
            flow.start()
            wait_consumers(broker, ['%s.%s' % (flow.pool, s)
                                    for s in exchanges])
            own = watch.execute(sa.text('SELECT pg_backend_pid()')).scalar()

            def backends():
                return list(watch.execute(sa.text(
                    'SELECT pid FROM pg_stat_activity WHERE datname = '
                    'current_database() AND pid != :own'), {'own': own}
                ).scalars())

            def done():
                stored = watch.execute(sa.text(
                    'SELECT (SELECT count(*) FROM events), '
                    '(SELECT count(*) FROM quarantine)')).one()
                watch.commit()
                now = time.monotonic()
                if stored[0] >= events and stored[1] >= quarantined:
                    return now
                for one in (flow.agent, flow.engine):
                    if not one.running():
                        raise RuntimeError('%s exited; see %s' % (
                            one.name, one.log))
                return None
            spy = profile and (lambda: _profile.start(profile, {
                'agent': flow.agent.workers()[0],
                'engine': flow.engine.workers()[0]}))
            return measure('pipeline', path, exchanges, done, {
                'agent': lambda: _common.tree(flow.agent.pid),
                'engine': lambda: _common.tree(flow.engine.pid),
                'postgresql': backends, 'rabbitmq': rabbit_pids}, count,
                profile=spy)
        finally:
            watch.close()
            flow.cleanUp()
    finally:
        engine.dispose()
        drop()


def ceilometer(broker, path, count, mix):
    uid = uuid.uuid4().hex[:8]
    topic = 'bench_ceilometer_%s' % uid
    exchanges = {s: '%s-bench-%s' % (s, uid) for s in mix['services']}
    directory = tempfile.mkdtemp(prefix='scs-bench-ceilometer-')
    agent = _ceilometer.Agent(directory, base.RABBIT_URL,
                              sorted(exchanges.values()), topic)
    agent.start()
    try:
        def alive():
            if not agent.running():
                raise RuntimeError('ceilometer exited; see %s' % directory)
        wait_consumers(broker, [agent.queue], consumers=2, check=alive)
        state = {'size': -1, 'changed': None}

        def done():
            alive()
            size = agent.written()
            now = time.monotonic()
            if size != state['size']:
                state.update(size=size, changed=now)
                return None
            queued = (broker.queue(agent.queue) or (1, 0))[0]
            if size and not queued and now - state['changed'] > 2:
                return state['changed']
            return None
        result = measure('ceilometer', path, exchanges, done, {
            'ceilometer': agent.pids, 'rabbitmq': rabbit_pids}, count,
            topics={'notifications': topic,
                    'versioned_notifications': topic})
        samples, events = agent.lines()
        result.update(samples=samples, events=events)
        return result
    finally:
        agent.stop()
        broker.delete(queues=[agent.queue],
                      exchanges=list(exchanges.values()))


def summary(runs):
    """Medians of each figure over the runs of one consumer."""
    if not runs:
        return None
    found = {'rate': _common.figure([r['rate'] for r in runs], 0),
             'seconds': _common.figure([r['seconds'] for r in runs], 2),
             'cpu_us': {}, 'rss_mib': {}}
    for key in ('cpu_us', 'rss_mib'):
        for group in runs[0][key]:
            found[key][group] = _common.figure(
                [r[key][group] for r in runs], 0)
    for key in ('samples', 'events'):
        if key in runs[0]:
            found[key] = runs[0][key]
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=4000)
    parser.add_argument('--volumes', type=int, default=2000)
    parser.add_argument('--hours', type=int, default=8,
                        help='simulated hours of the mix')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--anchor', choices=('ceilometer',),
                        help='also measure Ceilometer\'s notification agent')
    parser.add_argument('--profile', metavar='DIR',
                        help='one more pipeline run, sampled by py-spy')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 200 servers, 100 volumes, '
                             'one run')
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.servers, args.volumes, args.runs = 200, 100, 1
    for name in ('rabbitmq', 'postgresql'):
        if not base.reachable(name):
            sys.exit('ingest benchmark: %s is not reachable' % name)
    # A profiled run is slower: its figures go apart from the others'.
    results = _common.Results('ingest-profile' if args.profile else 'ingest',
                              args, __doc__)
    bodies, mix = _mix.build(args.servers, args.volumes, args.hours,
                             align=AGENT_BATCH_SIZE)
    events, quarantined = expected(bodies)
    count = len(bodies)
    results['mix'] = dict(mix, events=events, quarantined=quarantined)
    print('Mix: %d notifications (%s), %d resources of %d projects, %d '
          'flavors; %d out of order (%d per resource), %d duplicates; %d '
          'distinct events' % (
              count, ', '.join('%s %d' % i for i in sorted(
                  mix['services'].items())), mix['resources'],
              mix['projects'], mix['flavors'], mix['out_of_order'],
              mix['out_of_order_per_resource'], mix['duplicates'], events),
          flush=True)
    handle, path = tempfile.mkstemp(prefix='scs-bench-mix-', suffix='.jsonl')
    with os.fdopen(handle, 'w') as f:
        for item in bodies:
            f.write(json.dumps(item) + '\n')
    kinds = ['baseline', 'pipeline'] + (['ceilometer'] if args.anchor
                                        else [])
    if args.anchor:
        _ceilometer.command()
        results['ceilometer'] = _ceilometer.version()
    broker = services.Broker()
    runs = {kind: [] for kind in kinds}
    try:
        for run in range(args.runs):
            print('run %d (load average %.1f)' % (run + 1,
                                                  os.getloadavg()[0]),
                  flush=True)
            order = kinds[run % len(kinds):] + kinds[:run % len(kinds)]
            for kind in order:
                if kind == 'baseline':
                    runs[kind].append(baseline(broker, path, count, mix))
                elif kind == 'pipeline':
                    runs[kind].append(pipeline(broker, path, count, mix,
                                               events, quarantined))
                else:
                    runs[kind].append(ceilometer(broker, path, count, mix))
        if args.profile:
            print('profiled run (not counted)', flush=True)
            pipeline(broker, path, count, mix, events, quarantined,
                     profile=args.profile)
            results['profile'] = _profile.summary(args.profile, count)
    finally:
        broker.close()
        os.unlink(path)
    results['runs'] = runs
    results['figures'] = {kind: summary(runs[kind]) for kind in kinds}
    report(results['figures'], count, args.runs)
    results.write()
    return 0


def report(figures, count, runs):
    base_rate = figures['baseline']['rate']['median']
    print('Ingest: %d notifications, medians of %d runs' % (count, runs))
    for kind, label in (('baseline', 'baseline (ack only)'),
                        ('pipeline', 'agent+engine to PostgreSQL'),
                        ('ceilometer', 'ceilometer, 2 workers')):
        found = figures.get(kind)
        if not found:
            continue
        cpu = found['cpu_us']
        print('  %-27s %8.0f notifications/s (%.2f of baseline); CPU '
              'us/notification: %s' % (
                  label, found['rate']['median'],
                  found['rate']['median'] / base_rate, ', '.join(
                      '%s %.0f' % (g, v['median'])
                      for g, v in sorted(cpu.items()))))
    pipe, anchor = figures['pipeline'], figures.get('ceilometer')
    own = sum(pipe['cpu_us'][g]['median'] for g in ('agent', 'engine'))
    print('  scs-metering processes: %.0f us/notification (agent %.0f, '
          'engine %.0f), PostgreSQL %.0f' % (
              own, pipe['cpu_us']['agent']['median'],
              pipe['cpu_us']['engine']['median'],
              pipe['cpu_us']['postgresql']['median']))
    if anchor:
        print('  against Ceilometer: x%.2f the throughput, x%.2f the CPU '
              'per notification' % (
                  pipe['rate']['median'] / anchor['rate']['median'],
                  own / anchor['cpu_us']['ceilometer']['median']))
