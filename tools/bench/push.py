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
"""Push benchmark: records per second to the file and http sinks.

Method: a migrated database (SQLite in a temporary directory unless
--database names another) is filled by the real ingest and window closer
with the lifecycle and usage records of --servers servers (7 records
each). One sink per measurement was defined beforehand, so each has every
record in its outbox. Then:

- file and http (the tests' threaded webhook on loopback answering 200
  at once, in a process of its own, _webhook.py):
  the deliverer drains the sink's outbox with batches of 100 and 500
  records, and sends 200 records one at a time (the baseline); each is
  timed --runs times, the outbox reset between runs, and the median is
  printed with its ratio to the baseline;
- backlog drain after an outage: the engine's sender threads deliver to a
  webhook that answers 503 for two seconds; from the moment it recovers,
  the time to the first delivery (the rest of the sink's backoff) and,
  from then, the time until the outbox is empty (the drain rate) are
  measured with concurrency 1 and 4.

CPU per record: the deliverer's (this process's CPU while it drains) and,
for http, the webhook process's, from /proc. The load average is
recorded after each measurement.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.engine import workers
from scs_metering.publisher import delivery
from scs_metering.publisher import manager
from scs_metering import service
from scs_metering.tests import push

import _common
import _webhook

BATCHES = (1, 100, 500)
# Records timed with batches of one.
BASELINE = 200
CONCURRENCY = (1, 4)


def _conf(url):
    conf = service.new_conf()
    conf([], project='scs-metering', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('connection', url, 'database')
    conf.set_override('linger', 0, 'publisher')
    conf.set_override('interval', 0.05, 'publisher')
    conf.set_override('backoff_initial', 0.5, 'publisher')
    conf.set_override('backoff_max', 1, 'publisher')
    # The benchmarks' file sinks write to their temporary directories.
    conf.set_override('file_sink_dirs', [tempfile.gettempdir()],
                      'publisher')
    return conf


def _reset(connection, sink_id):
    """Make every entry of a sink pending again, as after an outage."""
    with connection._writer() as session:
        session.execute(sa.update(models.Outbox).where(
            models.Outbox.sink_id == sink_id).values(
            state=api_models.PENDING, delivered_at=None, claimed_by=None,
            claimed_until=None))
        session.execute(sa.update(models.SinkStatus).where(
            models.SinkStatus.sink_id == sink_id).values(
            retry_at=None, consecutive_failures=0))


class Hook:
    """The webhook process."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, _webhook.__file__], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().split()[1]

    def tell(self, command):
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()

    def cpu(self):
        return _common.cpu_seconds(self.process.pid)

    def stop(self):
        self.process.stdin.close()
        self.process.wait(30)


def _drain(conf, connection, sink, limit, hook):
    deliverer = delivery.Deliverer(conf, connection, 'bench')
    start, cpu, sink_cpu = time.perf_counter(), time.process_time(), \
        hook.cpu()
    sent = 0
    while sent < limit:
        done = deliverer.deliver_batch(sink, drain=True)
        if done is None:
            break
        sent += done
    elapsed = time.perf_counter() - start
    used = time.process_time() - cpu, hook.cpu() - sink_cpu
    deliverer.close()
    return sent, elapsed, used


def _outage(conf, connection, sink, hook, total):
    """(seconds to the first delivery, drain rate) once the sink is back."""
    _reset(connection, sink['id'])
    hook.tell('fail')
    supervisor = workers.Delivering(conf, connection, 'bench')
    supervisor.jitter = False
    supervisor.start()
    try:
        time.sleep(2)
        back = time.monotonic()
        hook.tell('ok')
        first = float(hook.process.stdout.readline().split()[1])
        while connection.sink_status(sink['id'])['backlog']:
            time.sleep(0.01)
        return first - back, total / (time.monotonic() - first)
    finally:
        supervisor.stop()
        supervisor.join(30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=300)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--database',
                        help='SQLAlchemy URL of an empty database')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 30 servers, one run, 20 '
                             'records in batches of one')
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    baseline_records = BASELINE
    if args.quick:
        args.servers, args.runs, baseline_records = 30, 1, 20
    results = _common.Results('push', args, __doc__)
    directory = tempfile.mkdtemp(prefix='scs-bench-push-')
    url = args.database or 'sqlite:///%s' % os.path.join(directory,
                                                         'bench.sqlite')
    conf = _conf(url)
    connection = db_api.get_connection(conf)
    connection.upgrade()
    hook = Hook()
    defined = {}
    for driver in ('file', 'http'):
        for size in BATCHES:
            url = (hook.url if driver == 'http' else 'file://%s/b%d.jsonl'
                   % (directory, size))
            defined[(driver, size)] = manager.store(conf, connection, {
                'name': '%s-%d' % (driver, size), 'driver': driver,
                'url': url, 'options': {'batch_size': size}})
    for concurrency in CONCURRENCY:
        defined[('outage', concurrency)] = manager.store(conf, connection, {
            'name': 'outage-%d' % concurrency, 'driver': 'http',
            'url': hook.url, 'options': {'batch_size': 500,
                                         'concurrency': concurrency}})
    for sink in defined.values():
        manager.pause(connection, sink['id'])
    t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * push.HOUR
    ingest.Ingestor(connection).store(push.vm_lives(t0, args.servers))
    windows.WindowCloser(connection, loader.load(conf)).run(
        until=t0 + 4 * push.HOUR)
    total = args.servers * 7
    results['database'] = connection.dialect
    results['records'] = total
    figures = results['figures'] = {}
    print('push: %d records per sink, %s, median of %d runs' % (
        total, connection.dialect, args.runs))
    for driver in ('file', 'http'):
        baseline = None
        for size in BATCHES:
            sink = defined[(driver, size)]
            manager.resume(connection, sink['id'])
            rates, cpu, sink_cpu, load = [], [], [], []
            for _ in range(args.runs):
                _reset(connection, sink['id'])
                # Batches of one are slow: a sample of them is enough.
                limit = total if size > 1 else min(total,
                                                   baseline_records)
                sent, elapsed, used = _drain(
                    conf, connection, connection.sink(sink['id']), limit,
                    hook)
                assert sent == limit, (sent, limit)
                rates.append(sent / elapsed)
                cpu.append(used[0] * 1e6 / sent)
                sink_cpu.append(used[1] * 1e6 / sent)
                load.append(_common.loadavg()[0])
            manager.pause(connection, sink['id'])
            found = figures['%s-%d' % (driver, size)] = {
                'rate': _common.figure(rates, 0),
                'cpu_us_per_record': _common.figure(cpu, 0),
                'loadavg': load}
            if driver == 'http':
                found['sink_cpu_us_per_record'] = _common.figure(sink_cpu, 0)
            rate = found['rate']['median']
            baseline = baseline or rate
            found['ratio'] = round(rate / baseline, 1)
            print('  %-5s batch %4d: %8.0f records/s  (x%.1f of batch 1), '
                  'CPU %.0f us/record' % (
                      driver, size, rate, rate / baseline,
                      found['cpu_us_per_record']['median']))
    baseline = None
    for concurrency in CONCURRENCY:
        sink = defined[('outage', concurrency)]
        manager.resume(connection, sink['id'])
        runs = [_outage(conf, connection, connection.sink(sink['id']),
                        hook, total) for _ in range(args.runs)]
        manager.pause(connection, sink['id'])
        found = figures['outage-%d' % concurrency] = {
            'first_delivery_seconds': _common.figure(
                [r[0] for r in runs], 2),
            'rate': _common.figure([r[1] for r in runs], 0),
            'loadavg': [_common.loadavg()[0]]}
        rate = found['rate']['median']
        baseline = baseline or rate
        found['ratio'] = round(rate / baseline, 1)
        print('  drain after outage, http batch 500, concurrency %d: '
              '%8.0f records/s  (x%.1f), first delivery %.2f s after '
              'recovery' % (concurrency, rate, rate / baseline,
                            found['first_delivery_seconds']['median']))
    hook.stop()
    connection.dispose()
    results.write()
    return 0
