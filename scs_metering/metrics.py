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
"""Metrics about scs-metering itself, in the Prometheus text format.

The agent and the engine fork their workers, and a counter kept in one
worker is invisible to the others and to the parent that serves the
endpoint. So each process writes its counters to a file of its own in
[metrics] directory, and the endpoint adds up the files of its service.
A dead worker's file stays, so totals never go backwards. What the
database knows (sink backlog, dead letters, window lag, reconciliation
findings) is read from it when scraped, so every endpoint agrees on it.
"""

import glob
import json
import os
import threading

from oslo_log import log
import prometheus_client
from prometheus_client import core

LOG = log.getLogger(__name__)

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST

# Seconds; a delivery or ingest delay past an hour is an incident anyway.
BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
           float('inf'))

# Metrics counted in the processes: name -> (kind, labels, help).
COUNTED = {
    'scs_metering_notifications_received': (
        'counter', ('service',),
        'Notifications handed to the agent, by source service.'),
    'scs_metering_notifications_processed': (
        'counter', ('service',),
        'Notifications acknowledged after their events or quarantine '
        'entries reached the engine\'s durable topic.'),
    'scs_metering_notifications_quarantined': (
        'counter', ('service',),
        'Notifications that became quarantine entries instead of events.'),
    'scs_metering_notifications_requeued': (
        'counter', ('service',),
        'Notifications handed back to the bus because forwarding failed.'),
    'scs_metering_events_forwarded': (
        'counter', ('service',),
        'Usage events the agent forwarded to the engine.'),
    'scs_metering_events_applied': (
        'counter', (),
        'Events the engine stored for the first time.'),
    'scs_metering_events_duplicate': (
        'counter', (),
        'Events the engine skipped because they were already stored.'),
    'scs_metering_quarantine_stored': (
        'counter', (),
        'Quarantine entries the engine stored.'),
    'scs_metering_engine_refused': (
        'counter', ('service',),
        'Notifications whose events the database refused; the engine '
        'quarantined each alone, with the database\'s reason.'),
    'scs_metering_engine_ingest_delay_seconds': (
        'histogram', (),
        'Seconds from an event\'s time to its storage by the engine.'),
    'scs_metering_sink_delivery_latency_seconds': (
        'histogram', ('sink',),
        'Seconds from a record revision\'s outbox entry to its delivery.'),
}

# Metrics read from the database when scraped: name -> (kind, labels, help).
STORED = {
    'scs_metering_sink_backlog': (
        'gauge', ('sink',),
        'Outbox entries of a sink waiting for delivery.'),
    'scs_metering_sink_oldest_pending_seconds': (
        'gauge', ('sink',),
        'Age of the oldest outbox entry of a sink still waiting.'),
    'scs_metering_sink_dead_letters': (
        'gauge', ('sink',),
        'Outbox entries a sink refused for good (dead letters).'),
    'scs_metering_sink_delivered': (
        'counter', ('sink',),
        'Record revisions delivered to a sink.'),
    'scs_metering_sink_failures': (
        'counter', ('sink',),
        'Failed delivery attempts to a sink (retries and dead letters).'),
    'scs_metering_window_lag_seconds': (
        'gauge', ('meter',),
        'Seconds between now and the end of the last closed window of a '
        'meter: how far usage records trail real time.'),
    'scs_metering_meter_stalled': (
        'gauge', ('meter',),
        'Failed attempts to close the windows of a stalled meter; a '
        'meter is listed only while its windows fail to close.'),
    'scs_metering_parked_groups': (
        'gauge', ('meter',),
        'Groups of windows of a meter whose records the database refused: '
        'parked alone, missing until a retry stores them.'),
    'scs_metering_throttling_run_failed': (
        'gauge', ('evaluator',),
        'Whether the last throttling run of an evaluator failed as a '
        'whole (1): nothing new was decided, nothing was lifted.'),
    'scs_metering_throttling_problems': (
        'gauge', ('evaluator',),
        'Rules or projects the last throttling run of an evaluator could '
        'not evaluate, and enforcement steps that failed.'),
    'scs_metering_throttling_decisions': (
        'gauge', ('state',),
        'Active throttling decisions, open or lifted.'),
    'scs_metering_quarantine_entries': (
        'gauge', (),
        'Quarantine entries in the store.'),
    'scs_metering_reconciliation_findings': (
        'counter', ('resource_type', 'kind'),
        'What reconciliation found that notifications missed: kind is '
        'missed_create, missed_delete or drift.'),
}


class _Store:
    """This process's counters and histograms."""

    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}
        self.version = 0

    def add(self, name, labels, amount):
        if name not in COUNTED:
            raise KeyError('unknown metric %s' % name)
        key = json.dumps([name, labels], sort_keys=True)
        with self.lock:
            self.values[key] = self.values.get(key, 0) + amount
            self.version += 1

    def observe(self, name, labels, value):
        key = json.dumps([name, labels], sort_keys=True)
        with self.lock:
            counts = self.values.setdefault(key, [0] * len(BUCKETS) + [0.0])
            for i, bound in enumerate(BUCKETS):
                if value <= bound:
                    counts[i] += 1
            counts[-1] += value
            self.version += 1

    def snapshot(self):
        with self.lock:
            return self.version, json.loads(json.dumps(self.values))


_STORE = _Store()


def inc(name, amount=1, **labels):
    """Add ``amount`` to a counter of this process."""
    if amount:
        _STORE.add(name, labels, amount)


def observe(name, value, **labels):
    """Record one observation of a histogram of this process."""
    _STORE.observe(name, labels, max(0.0, float(value)))


class Writer(threading.Thread):
    """Writes this process's counters to its file while they change."""

    def __init__(self, directory, service, interval=1.0):
        super().__init__(name='metrics-writer', daemon=True)
        self.path = os.path.join(directory,
                                 '%s.%d.json' % (service, os.getpid()))
        self.interval = interval
        self._stop_event = threading.Event()
        self._written = None

    def flush(self):
        version, values = _STORE.snapshot()
        if version == self._written:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = self.path + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(values, f)
            os.replace(tmp, self.path)
            self._written = version
        except OSError as exc:
            # Metrics must never stop metering.
            LOG.warning('Cannot write metrics to %s: %s', self.path, exc)

    def run(self):
        while not self._stop_event.wait(self.interval):
            self.flush()

    def stop(self):
        self._stop_event.set()
        self.join(5)
        self.flush()


def start_writer(conf, service):
    """Start writing this worker's counters; call in the worker."""
    _close_inherited_server()
    writer = Writer(conf.metrics.directory, service)
    writer.start()
    return writer


def read(directory, service):
    """The counters of every process of ``service``, added up."""
    total = {}
    for path in sorted(glob.glob(os.path.join(directory,
                                              '%s.*.json' % service))):
        try:
            with open(path) as f:
                values = json.load(f)
        except (OSError, ValueError) as exc:
            LOG.warning('Skipping metrics file %s: %s', path, exc)
            continue
        for key, value in values.items():
            if isinstance(value, list):
                old = total.get(key) or [0] * len(value)
                total[key] = [a + b for a, b in zip(old, value)]
            else:
                total[key] = total.get(key, 0) + value
    return total


def _family(name, kind, labels, help_text):
    if kind == 'counter':
        return core.CounterMetricFamily(name, help_text, labels=labels)
    if kind == 'histogram':
        return core.HistogramMetricFamily(name, help_text, labels=labels)
    return core.GaugeMetricFamily(name, help_text, labels=labels)


def counted_families(values):
    """Metric families of added-up process counters."""
    samples = {}
    for key, value in values.items():
        name, labels = json.loads(key)
        samples.setdefault(name, []).append((labels, value))
    for name, (kind, label_names, help_text) in sorted(COUNTED.items()):
        family = _family(name, kind, label_names, help_text)
        for labels, value in sorted(samples.get(name, []), key=str):
            label_values = [str(labels.get(n, '')) for n in label_names]
            if kind == 'histogram':
                buckets = [(_bound(b), c) for b, c in zip(BUCKETS, value)]
                family.add_metric(label_values, buckets, value[-1])
            else:
                family.add_metric(label_values, value)
        yield family


def _bound(bound):
    return '+Inf' if bound == float('inf') else repr(bound)


def stored_families(stats):
    """Metric families of the database figures (see db stats)."""
    for name, (kind, label_names, help_text) in sorted(STORED.items()):
        family = _family(name, kind, label_names, help_text)
        for label_values, value in stats.get(name, []):
            family.add_metric(list(label_values), value)
        yield family


class Collector:
    """What one endpoint shows: its service's counters and the store's."""

    def __init__(self, conf, service, stats=None):
        self.conf = conf
        self.service = service
        self.stats = stats

    def collect(self):
        yield from counted_families(read(self.conf.metrics.directory,
                                         self.service))
        if self.stats is not None:
            try:
                figures = self.stats()
            except Exception as exc:
                # A scrape during a database outage still shows counters.
                LOG.warning('Cannot read metrics from the database: %s', exc)
                figures = {}
            yield from stored_families(figures)


def exposition(collector):
    """The text exposition of a collector, as bytes."""
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return prometheus_client.generate_latest(registry)


class Middleware:
    """Answers GET /metrics of the API, before authentication."""

    PATH = '/metrics'

    def __init__(self, app, conf, stats):
        self.app = app
        self.collector = Collector(conf, 'api', stats)

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') != self.PATH:
            return self.app(environ, start_response)
        body = exposition(self.collector)
        start_response('200 OK', [('Content-Type', CONTENT_TYPE),
                                  ('Content-Length', str(len(body)))])
        return [body]


_SERVER = {}


def serve(conf, service, port, stats=None):
    """Serve ``service``'s metrics on [metrics] host and ``port``.

    Called once in the parent process before the workers are forked.
    Counter files of an earlier run are removed: counters start from
    zero with the service, as Prometheus expects of a restart.
    """
    if not port:
        return None
    for path in glob.glob(os.path.join(conf.metrics.directory,
                                       '%s.*.json' % service)):
        os.unlink(path)
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(Collector(conf, service, stats))
    try:
        server, _thread = prometheus_client.start_http_server(
            port, addr=conf.metrics.host, registry=registry)
    except OSError as exc:
        LOG.error('Cannot serve metrics on %s:%d: %s', conf.metrics.host,
                  port, exc)
        return None
    _SERVER.update(server=server, pid=os.getpid())
    LOG.info('Serving metrics on http://%s:%d/metrics', conf.metrics.host,
             port)
    return server


def _close_inherited_server():
    # A forked worker inherits the parent's listening socket; holding it
    # would keep the port busy should the parent die.
    server = _SERVER.get('server')
    if server is not None and _SERVER['pid'] != os.getpid():
        server.socket.close()
        _SERVER.clear()
