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
"""Ingest: notifications/s from RabbitMQ via agent and engine to PostgreSQL.

Method: --servers servers each get four real nova notifications (the shared
instance-create-end, -power_off-end, -power_on-end and -delete-end samples
with their ids and times changed), encoded beforehand in the oslo.messaging
2.0 envelope. A run:

- baseline: a bare oslo.messaging batch notification listener
  (_listener.py) with the agent's pool, topics and batch settings, that
  only acknowledges, consumes a fresh nova exchange; the time runs from
  the first publish until it has seen every notification;
- pipeline: scs-metering-agent and scs-metering-engine, started as
  commands with their default batch settings on a fresh PostgreSQL
  database; the time runs from the first publish until the engine has
  committed one event per notification (the events table is polled every
  50 ms).

Both get the same notifications, published as fast as one kombu producer
can. Runs alternate baseline and pipeline; the medians of --runs runs are
printed, with their ratio, and the peak RSS (VmHWM) of each process.
"""

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import time
import uuid

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering import service
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

import _listener

SMALL = fx.flavor('m1.small', '2', 1, 2048, 20)
LIFE = (('instance-create-end', {'state': 'active'}),
        ('instance-power_off-end', {'state': 'stopped'}),
        ('instance-power_on-end', {'state': 'active'}),
        ('instance-delete-end', {'state': 'deleted'}))
# The agent's defaults, which the baseline copies.
AGENT_BATCH_SIZE = 256
AGENT_BATCH_TIMEOUT = 1.0


def bodies(servers):
    """The AMQP bodies of every notification, in publishing order."""
    start = timeutils.utcnow() - datetime.timedelta(minutes=30)
    project = uuid.uuid4().hex
    found = []
    for number in range(servers):
        vm = str(uuid.uuid4())
        launched = start + datetime.timedelta(seconds=number % 600)
        for step, (sample, data) in enumerate(LIFE):
            when = launched + datetime.timedelta(minutes=step * 5)
            extra = dict(data, launched_at=launched, flavor=SMALL)
            if sample == 'instance-delete-end':
                extra.update(deleted_at=when, terminated_at=when)
            message = fx.instance(sample, vm, project, 'bench', when,
                                  message_id=str(uuid.uuid4()), **extra)
            found.append(json.dumps(fx.envelope(message)))
    return found


def peak_rss_mib(service):
    """Peak RSS of a command's launcher and of its worker, in MiB."""
    return [_listener.peak_rss_kib(pid) / 1024.0
            for pid in [service.pid] + service.workers()]


def baseline(broker, messages):
    pool = 'bench-baseline-%s.nova' % uuid.uuid4().hex[:8]
    exchange = 'nova-bench-%s' % uuid.uuid4().hex[:8]
    process = subprocess.Popen(
        [sys.executable, _listener.__file__, base.RABBIT_URL, exchange,
         pool, str(len(messages)), str(AGENT_BATCH_SIZE),
         str(AGENT_BATCH_TIMEOUT)], stdout=subprocess.PIPE, text=True)
    try:
        services.wait_for(lambda: (broker.queue(pool) or (0, 0))[1],
                          what='the baseline listener')
        start = time.monotonic()
        broker.publish_many(exchange, services.VERSIONED, messages)
        said = dict(line.split() for line in process.stdout
                    if line.startswith(('done ', 'rss ')))
        process.wait(60)
        return float(said['done']) - start, int(said['rss']) / 1024.0
    finally:
        if process.poll() is None:
            process.kill()
        broker.delete(queues=[pool], exchanges=[exchange])


def pipeline(broker, messages):
    url, drop = base.create_database('postgresql')
    try:
        conf = service.new_conf()
        conf([], project='scs-metering', default_config_files=[],
             default_config_dirs=[])
        conf.set_override('connection', url, 'database')
        connection = db_api.get_connection(conf)
        connection.upgrade()
        # Production defaults: no FAST options.
        flow = services.Pipeline(None, url, options={})
        flow.setUp()
        try:
            flow.start()
            start = time.monotonic()
            broker.publish_many(flow.nova_exchange, services.VERSIONED,
                                messages)
            services.wait_for(
                lambda: connection.count('Event') >= len(messages),
                timeout=600, what='every event committed')
            elapsed = time.monotonic() - start
            rss = peak_rss_mib(flow.agent), peak_rss_mib(flow.engine)
        finally:
            flow.cleanUp()
            connection.dispose()
    finally:
        drop()
    return elapsed, rss


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=5000,
                        help='servers, four notifications each')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 250 servers, one run')
    args = parser.parse_args(argv)
    if args.quick:
        args.servers, args.runs = 250, 1
    for name in ('rabbitmq', 'postgresql'):
        if not base.reachable(name):
            sys.exit('ingest benchmark: %s is not reachable' % name)
    messages = bodies(args.servers)
    broker = services.Broker()
    rates = {'baseline': [], 'pipeline': []}
    rss = {'baseline': [], 'agent': [], 'engine': []}
    for run in range(args.runs):
        seconds, peak = baseline(broker, messages)
        rates['baseline'].append(len(messages) / seconds)
        rss['baseline'].append(peak)
        seconds, (agent, engine) = pipeline(broker, messages)
        rates['pipeline'].append(len(messages) / seconds)
        rss['agent'].append(agent)
        rss['engine'].append(engine)
        print('run %d: baseline %.0f/s, pipeline %.0f/s' % (
            run + 1, rates['baseline'][-1], rates['pipeline'][-1]),
            flush=True)
    broker.close()
    base_rate = statistics.median(rates['baseline'])
    rate = statistics.median(rates['pipeline'])
    print('Ingest: %d notifications, median of %d runs' % (
        len(messages), args.runs))
    print('  baseline (ack only)           %8.0f notifications/s' %
          base_rate)
    print('  agent+engine to PostgreSQL    %8.0f notifications/s  '
          '(%.2f of baseline)' % (rate, rate / base_rate))
    print('Peak RSS, largest of the runs (MiB): baseline listener %.0f' %
          max(rss['baseline']))
    for name in ('agent', 'engine'):
        launcher = max(r[0] for r in rss[name])
        worker = max(r[1] for r in rss[name])
        print('  %-6s worker %.0f, launcher %.0f' % (name, worker,
                                                     launcher))
