#!/usr/bin/env python3
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
"""API benchmark: latency of a month's usage report of 10,000 servers.

Method: a fresh database on each of --backends (PostgreSQL and MariaDB by
default; SQLite in a temporary directory too if named) gets the hourly
usage records of --resources servers of one project over --days days
from 2026-01-01 (10,000 x 31 x 24 = 7.44 million records), four flavors,
one hour in ten inferred by reconciliation; --other-projects more
projects have rows in the rollup, so that its tables are a cloud's.
Records are bulk loaded (COPY on PostgreSQL, the DB-API's executemany
elsewhere), one day per transaction; the rollup is written by the real
``rollup.apply`` from the same hours summed per flavor and provenance, so
both levels hold what the window closer would have written.

The API runs in its own processes under uWSGI as the installation guide
runs it (``--module scs_metering.wsgi.api:application --processes 2
--master``), but behind uWSGI's own HTTP router with keep-alive
(``--http --http-keepalive``), as a proxy would stand in front of it: with
the guide's ``--http-socket``, about a fifth of 8 concurrent clients'
requests were answered by a connection reset on this machine, and with
``--http11-socket`` a worker kept a client's connection while the others
waited (up to 23 s). keystonemiddleware checks
every token against a real Keystone from PyPI (the API functional tests'
keystone.py). --clients
client processes (_client.py), each with the Keystone token of a reader
of the project, send --requests GETs of /v1/usage grouped by flavor one
after the other, all at once, after warm-up calls: for the whole month,
and for a range cut at odd hours at both ends. The p50 and p99 over all
clients' requests are printed, with the CPU per request of the uWSGI
processes, Keystone and the database's backends (PostgreSQL), from
/proc. Every answer is checked against the expected quantities.
Baselines, in the same run: the same clients asking for ``GET /`` (the
version document: HTTP, uWSGI and the middleware without a token or the
database), and the month summed in Python from the window rollup rows
(the report before the daily level). The query plans are printed.
"""

import argparse
import collections
import csv
import datetime
import decimal
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import requests
import sqlalchemy as sa

from scs_metering.db import api as db_api  # noqa: H306
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rollup
from scs_metering import service
from scs_metering.tests.functional.api import keystone
from scs_metering.tests.functional import base

import _client
import _common

# Set to the Keystone project of the run's reader.
PROJECT = None
START = datetime.datetime(2026, 1, 1)
HOUR = datetime.timedelta(hours=1)
FLAVORS = [('m1.small', 1, 2048), ('m1.medium', 2, 4096),
           ('m1.large', 4, 8192), ('m1.xlarge', 8, 16384)]
GROUPS = [{'flavor_name': name, 'flavor_id': name, 'vcpus': vcpus,
           'memory_mb': memory, 'root_gb': 20, 'ephemeral_gb': 0,
           'state': 'active'} for name, vcpus, memory in FLAVORS]
COLUMNS = ('id', 'revision', 'current', 'meter', 'unit', 'resource_pk',
           'resource_type', 'resource_id', 'project_id', 'user_id',
           'window_start', 'window_end', 'attributes', 'quantity',
           'provenance', 'created_at')


def provenance(i, h):
    return 'reconciliation' if (i + h) % 10 == 0 else 'notification'


def day_records(pks, day):
    """The records of one day, as tuples of COLUMNS, and their sums."""
    texts = [json.dumps(g, sort_keys=True, separators=(',', ':'))
             for g in GROUPS]
    found, sums = [], collections.Counter()
    for h in range(day * 24, day * 24 + 24):
        start = START + h * HOUR
        # SQLAlchemy's form on SQLite, where times compare as text.
        stamps = (start.strftime('%Y-%m-%d %H:%M:%S.%f'),
                  (start + HOUR).strftime('%Y-%m-%d %H:%M:%S.%f'))
        for i, pk in enumerate(pks):
            source = provenance(i, h)
            found.append((
                '%04d-%031d' % (h, i), 1, True, 'instance', 's', pk,
                'instance', 'vm-%05d' % i, PROJECT, 'u', stamps[0],
                stamps[1], texts[i % len(GROUPS)], '3600',
                '{"%s":3600}' % source, stamps[0]))
            sums[(h, i % len(GROUPS), source)] += 1
    return found, sums


def load_records(storage, session, found):
    """Bulk insert, below SQLAlchemy: the load would dominate the run."""
    dialect = storage._engine.dialect
    columns = ', '.join(dialect.identifier_preparer.quote(c)
                        for c in COLUMNS)
    cursor = session.connection().connection.cursor()
    if dialect.name == 'postgresql':
        text = io.StringIO()
        csv.writer(text).writerows(found)
        text.seek(0)
        cursor.copy_expert('COPY usage_records (%s) FROM STDIN WITH '
                           '(FORMAT csv)' % columns, text)
    else:
        mark = '?' if dialect.paramstyle == 'qmark' else '%s'
        cursor.executemany('INSERT INTO usage_records (%s) VALUES (%s)' % (
            columns, ', '.join(mark for _ in COLUMNS)), found)


def rollup_values(sums, project=None):
    """What the closer's records of the day sum to, as record rows."""
    return [{'project_id': project or PROJECT, 'meter': 'instance',
             'unit': 's',
             'resource_type': 'instance',
             'window_start': START + h * HOUR,
             'window_end': START + (h + 1) * HOUR,
             'attributes': GROUPS[flavor],
             'quantity': decimal.Decimal(3600 * count),
             'provenance': {source: 3600 * count}}
            for (h, flavor, source), count in sorted(sums.items())]


def others(projects, day):
    """The rollup of other projects' 100 servers each, for the day."""
    sums = collections.Counter({
        (h, flavor, 'notification'): 25
        for h in range(day * 24, day * 24 + 24)
        for flavor in range(len(GROUPS))})
    return [value for n in range(projects)
            for value in rollup_values(sums, 'project-%04d' % n)]


def seed(storage, resources, days, projects):
    with storage._writer() as session:
        session.execute(sa.insert(models.Resource), [
            {'resource_type': 'instance', 'resource_id': 'vm-%05d' % i,
             'project_id': PROJECT, 'active': True, 'dirty_gen': 0,
             'created_at': START, 'updated_at': START}
            for i in range(resources)])
        pks = list(session.scalars(sa.select(models.Resource.id).order_by(
            models.Resource.id)))
    for day in range(days):
        found, sums = day_records(pks, day)
        with storage._writer() as session:
            load_records(storage, session, found)
            rollup.apply(session, rollup_values(sums) + others(
                projects, day), [])
        print('  seeded day %d' % (day + 1), flush=True)
    if storage.dialect == 'postgresql':
        with storage._engine.begin() as connection:
            connection.execute(sa.text('ANALYZE'))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def isotime(when):
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


class API:
    """The API under uWSGI, in its own processes."""

    def __init__(self, directory, database, authtoken):
        self.port = keystone.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        config = os.path.join(directory, 'scs-metering.conf')
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\nlog_file = %s/api.log\n'
                    '[database]\nconnection = %s\n'
                    '[api]\nauth_strategy = keystone\n'
                    '[keystone_authtoken]\n%s\n' % (
                        directory, directory, database, '\n'.join(
                            '%s = %s' % item
                            for item in sorted(authtoken.items()))))
        uwsgi = os.path.join(os.path.dirname(sys.executable), 'uwsgi')
        # In the environment, not with --env: pyuwsgi starts Python before
        # it applies its options, and os.environ would not see it.
        self.process = subprocess.Popen(
            [uwsgi, '--http', '127.0.0.1:%d' % self.port, '--http-keepalive',
             '--module', 'scs_metering.wsgi.api:application',
             '--processes', '2', '--master', '--die-on-term',
             '--disable-logging', '--need-app'],
            env=dict(os.environ, SCS_METERING_CONFIG_FILES=config),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(directory, 'uwsgi.log'), 'ab'))
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + '/', timeout=5)
                break
            except requests.RequestException:
                if self.process.poll() is not None or \
                        time.monotonic() > deadline:
                    raise RuntimeError('uWSGI did not serve; see %s' %
                                       directory)
                time.sleep(0.2)

    def pids(self):
        return _common.tree(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


class Clients:
    """Client processes sending the same requests at once."""

    def __init__(self, count):
        self.processes = [subprocess.Popen(
            [sys.executable, _client.__file__], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True) for _ in range(count)]

    def run(self, job, meter):
        """Latencies of every client's requests, and the last answer."""
        for process in self.processes:
            process.stdin.write(json.dumps(job) + '\n')
            process.stdin.flush()
        for process in self.processes:
            if process.stdout.readline().strip() != 'ready':
                raise RuntimeError('a client failed while warming up')
        meter.sample()
        for process in self.processes:
            process.stdin.write('go\n')
            process.stdin.flush()
        latencies, body = [], None
        for process in self.processes:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError('a client failed')
            answer = json.loads(line)
            latencies.extend(answer['latencies'])
            body = answer['body']
        meter.sample()
        return latencies, json.loads(body) if body else None

    def stop(self):
        for process in self.processes:
            process.stdin.close()
            process.wait(30)


def expected(resources, start, end):
    """Seconds per flavor of the windows lying in [start, end)."""
    hours = range(-((START - start) // HOUR), (end - START) // HOUR)
    return {GROUPS[f]['flavor_name']: str(3600 * len(hours) * len(
        range(f, resources, len(GROUPS)))) for f in range(len(GROUPS))}


def windows_only(session, start, end):
    """The report from the window rollup alone, as before the daily level."""
    window = models.UsageRollup
    totals = collections.defaultdict(
        lambda: [decimal.Decimal(0), collections.Counter()])
    for row in session.scalars(sa.select(window).where(
            window.project_id == PROJECT, window.window_start >= start,
            window.window_end <= end)):
        total = totals[row.attributes_key]
        total[0] += row.quantity
        total[1].update(row.provenance)
    return totals


def timed(function, runs):
    times = []
    for _ in range(runs):
        begun = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - begun) * 1000)
    return result, statistics.median(times)


def explain(storage, start, end):
    prefix = {'sqlite': 'EXPLAIN QUERY PLAN ',
              'postgresql': 'EXPLAIN (ANALYZE, BUFFERS) '}.get(
        storage.dialect, 'EXPLAIN ')
    with storage._engine.connect() as connection:
        for kind, query in rollup.report_queries(
                storage.dialect, PROJECT, start, end):
            sql = str(query.compile(storage._engine, compile_kwargs={
                'literal_binds': True}))
            print('Query plan (%s), %s:\n  %s' % (
                storage.dialect, kind, sql.replace('\n', '\n  ')))
            for row in connection.execute(sa.text(prefix + sql)):
                print('  ' + ' | '.join(str(v) for v in row))


def backends_of(storage, url):
    if storage.dialect != 'postgresql':
        return lambda: []
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    watch = engine.connect()
    own = watch.execute(sa.text('SELECT pg_backend_pid()')).scalar()

    def backends():
        found = list(watch.execute(sa.text(
            'SELECT pid FROM pg_stat_activity WHERE datname = '
            'current_database() AND pid != :own'), {'own': own}).scalars())
        watch.commit()
        return found
    return backends


def show_logs(*paths, lines=40):
    """The last lines of each log, on standard error."""
    for path in paths:
        try:
            with open(path, errors='replace') as f:
                tail = collections.deque(f, lines)
        except OSError as exc:
            tail = ['(%s)\n' % exc]
        sys.stderr.write('--- last lines of %s\n%s' % (path, ''.join(tail)))


def run_backend(args, backend, auth):
    directory = tempfile.mkdtemp(prefix='scs-bench-api-')
    if backend == 'sqlite':
        url, drop = 'sqlite:///%s' % os.path.join(directory,
                                                  'bench.sqlite'), None
    else:
        url, drop = base.create_database(backend)
    conf = service.new_conf()
    conf([], project='scs-metering', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('connection', url, 'database')
    storage = db_api.get_connection(conf)
    api = clients = None
    try:
        storage.upgrade()
        started = time.monotonic()
        seed(storage, args.resources, args.days, args.other_projects)
        end = START + datetime.timedelta(days=args.days)
        found = {'seed_seconds': round(time.monotonic() - started)}
        print('Seeded %d records of %d servers over %d days and the rollup '
              'of %d other projects in %.0f s (%s)' % (
                  args.resources * args.days * 24, args.resources,
                  args.days, args.other_projects, found['seed_seconds'],
                  storage.dialect), flush=True)
        api = API(directory, url, auth.authtoken_options())
        clients = Clients(args.clients)
        token = auth.token('alpha-reader')
        groups = {'api': api.pids, 'keystone': lambda: _common.tree(
            auth.process.pid), 'database': backends_of(storage, url)}
        ranges = [('month', START, end),
                  ('cut', START + 5 * HOUR + datetime.timedelta(minutes=30),
                   end - 7 * HOUR)]
        jobs = [('version', {'url': api.url + '/', 'warmup': 5})] + [
            (name, {'url': api.url + '/v1/usage', 'warmup': 20,
                    'token': token, 'params': {
                        'project_id': PROJECT, 'group_by': 'flavor_name',
                        'start': isotime(low), 'end': isotime(high)}})
            for name, low, high in ranges]
        for name, job in jobs:
            job['count'] = args.requests
            meter = _common.CPUMeter(groups)
            try:
                latencies, report = clients.run(job, meter)
            except RuntimeError:
                # A client sees only "answered 503"; the why is in the
                # API's and Keystone's logs, which go with the run.
                show_logs(os.path.join(directory, 'api.log'),
                          os.path.join(auth.dir, 'keystone.log'))
                raise
            if name != 'version':
                low, high = [(r[1], r[2]) for r in ranges
                             if r[0] == name][0]
                got = {u['group']['flavor_name']: u['quantity']
                       for u in report['usage']}
                assert got == expected(args.resources, low, high), got
            cpu = meter.seconds()
            found[name] = {
                'requests': len(latencies),
                'p50_ms': round(percentile(latencies, 0.5), 1),
                'p99_ms': round(percentile(latencies, 0.99), 1),
                'max_ms': round(max(latencies), 1),
                'cpu_us_per_request': {g: round(v * 1e6 / len(latencies))
                                       for g, v in cpu.items()},
                'loadavg': _common.loadavg()[0]}
            print('%s %s: %d requests from %d clients: p50 %.1f ms, p99 %.1f '
                  'ms, max %.1f ms; CPU us/request %s (load average %.1f)' % (
                      storage.dialect, name, len(latencies), args.clients,
                      found[name]['p50_ms'], found[name]['p99_ms'],
                      found[name]['max_ms'], ', '.join(
                          '%s %d' % i for i in sorted(
                              found[name]['cpu_us_per_request'].items())),
                      found[name]['loadavg']), flush=True)
        with storage._reader() as session:
            _totals, median = timed(
                lambda: windows_only(session, START, end), 5)
        found['rollup_windows_ms'] = round(median, 1)
        print('Baseline, the whole range summed from the window rollup (%d '
              'windows, median of 5): %.0f ms, %.1fx the API p50' % (
                  args.days * 24, median, median / found['month']['p50_ms']))
        for _name, low, high in ranges:
            explain(storage, low, high)
        return found
    finally:
        if clients is not None:
            clients.stop()
        if api is not None:
            api.stop()
        storage.dispose()
        if drop:
            drop()


def main(argv):
    global PROJECT
    parser = argparse.ArgumentParser(prog='api', description=__doc__)
    parser.add_argument('--backends', default='postgresql,mariadb',
                        help='comma-separated: postgresql, mariadb, sqlite')
    parser.add_argument('--resources', type=int, default=10000)
    parser.add_argument('--days', type=int, default=31)
    parser.add_argument('--other-projects', type=int, default=100,
                        help='projects besides the measured one, in the '
                        'rollup only, so that its tables have a cloud\'s '
                        'rows')
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--requests', type=int, default=250,
                        help='requests per client and range')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 100 servers over 2 days, 5 '
                             'other projects, 2 clients of 20 requests, '
                             'PostgreSQL only')
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.resources, args.days, args.other_projects = 100, 2, 5
        args.clients, args.requests, args.backends = 2, 20, 'postgresql'
    results = _common.Results('api', args, __doc__)
    auth = keystone.get()
    PROJECT = auth.project_ids['alpha']
    results['figures'] = {}
    for backend in args.backends.split(','):
        if backend != 'sqlite' and not base.reachable(backend):
            sys.exit('api benchmark: %s is not reachable' % backend)
        results['figures'][backend] = run_backend(args, backend, auth)
    results['clients'] = args.clients
    results['resources'] = args.resources
    results['days'] = args.days
    results.write()
    return 0
