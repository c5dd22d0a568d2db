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

Method: a migrated database (SQLite in a temporary directory unless
--database names another) gets the hourly usage records of --resources
servers of one project over --days days from 2026-01-01 (10,000 x 31 x 24
= 7.44 million records), four flavors, one hour in ten inferred by
reconciliation; --other-projects more projects have rows in the rollup,
so that its tables are a cloud's. Records are bulk loaded (COPY on
PostgreSQL, the DB-API's executemany on SQLite), one day per transaction;
the rollup is written by the real ``rollup.apply`` from the same hours
summed per flavor and provenance, so both levels hold what the window
closer would have written. The API (noauth, so that Keystone's latency is
not measured) runs on a threaded WSGI server on loopback; --requests GETs
of /v1/usage grouped by flavor are timed from the client after warm-up
calls, for the whole month and for a range cut at odd hours at both ends,
and their p50 and p99 are printed. The report is checked against the
expected quantities. Baselines, timed in the same run: the report
computed from the records themselves (``rollup.records_report``,
streamed), and from the window rollup rows alone (the report before the
daily level). The query plans of the report's queries are printed.
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
import tempfile
import threading
import time
from wsgiref import simple_server

import requests
import sqlalchemy as sa

from scs_metering.api import app
from scs_metering.command import api as cmd_api
from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rollup
from scs_metering import service

PROJECT = '8d6b8e2f9a4c4f5e9b1a2c3d4e5f6a7b'
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


def rollup_values(sums, project=PROJECT):
    """What the closer's records of the day sum to, as record rows."""
    return [{'project_id': project, 'meter': 'instance', 'unit': 's',
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


def serve(conf, storage):
    server = simple_server.make_server(
        '127.0.0.1', 0, app.build_wsgi_app(conf, storage),
        server_class=cmd_api._Server,
        handler_class=simple_server.WSGIRequestHandler)
    server.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def isotime(when):
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def measure(client, url, start, end, requests_count):
    params = {'project_id': PROJECT, 'group_by': 'flavor_name',
              'start': isotime(start), 'end': isotime(end)}
    headers = {'X-Project-Id': PROJECT, 'X-Roles': 'reader'}
    for _ in range(20):
        report = client.get(url, params=params, headers=headers).json()
    latencies = []
    for _ in range(requests_count):
        begun = time.perf_counter()
        response = client.get(url, params=params, headers=headers)
        latencies.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.text
    return report, latencies


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


def main(argv):
    parser = argparse.ArgumentParser(prog='api', description=__doc__)
    parser.add_argument('--database', help='SQLAlchemy URL of an empty '
                        'database (default: SQLite in a temporary directory)')
    parser.add_argument('--resources', type=int, default=10000)
    parser.add_argument('--days', type=int, default=31)
    parser.add_argument('--other-projects', type=int, default=100,
                        help='projects besides the measured one, in the '
                        'rollup only, so that its tables have a cloud\'s '
                        'rows')
    parser.add_argument('--requests', type=int, default=1000)
    parser.add_argument('--baseline-runs', type=int, default=1,
                        help='runs of the report from the records, which '
                        'takes minutes for a month')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 100 servers over 2 days, 5 '
                             'other projects, 50 requests per range')
    args = parser.parse_args(argv)
    if args.quick:
        args.resources, args.days, args.other_projects = 100, 2, 5
        args.requests = 50
    directory = tempfile.mkdtemp(prefix='scs-bench-api-')
    conf = service.new_conf()
    conf([], project='scs-metering', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('state_path', directory)
    conf.set_override('auth_strategy', 'noauth', 'api')
    conf.set_override('connection', args.database or 'sqlite:///%s' %
                      os.path.join(directory, 'bench.sqlite'), 'database')
    storage = db_api.get_connection(conf)
    storage.upgrade()
    started = time.monotonic()
    seed(storage, args.resources, args.days, args.other_projects)
    end = START + datetime.timedelta(days=args.days)
    print('Seeded %d records of %d servers over %d days and the rollup of '
          '%d other projects in %.0f s (%s)' % (
              args.resources * args.days * 24, args.resources, args.days,
              args.other_projects, time.monotonic() - started,
              storage.dialect))
    with storage._reader() as session:
        print('Rollup rows: %d windows, %d days' % tuple(
            session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (models.UsageRollup, models.UsageRollupDaily)))
    server = serve(conf, storage)
    url = 'http://127.0.0.1:%d/v1/usage' % server.server_port
    client = requests.Session()
    # The whole month, and the same cut at odd hours at both ends.
    ranges = [(START, end), (START + 5 * HOUR + datetime.timedelta(
        minutes=30), end - 7 * HOUR)]
    p50s = {}
    for start, stop in ranges:
        report, latencies = measure(client, url, start, stop, args.requests)
        got = {u['group']['flavor_name']: u['quantity']
               for u in report['usage']}
        assert got == expected(args.resources, start, stop), got
        p50s[start] = percentile(latencies, 0.5)
        print('GET /v1/usage %s to %s (%d requests): p50 %.1f ms, '
              'p99 %.1f ms, max %.1f ms (load average %.1f)' % (
                  isotime(start), isotime(stop), len(latencies),
                  p50s[start], percentile(latencies, 0.99),
                  max(latencies), os.getloadavg()[0]))
    with storage._reader() as session:
        rolled = rollup.report(session, PROJECT, START, end)
        _totals, median = timed(
            lambda: windows_only(session, START, end), 5)
    print('Baseline, the whole range summed from the window rollup (%d '
          'windows, median of 5): %.0f ms, %.1fx the API p50' % (
              args.days * 24, median, median / p50s[START]))
    with storage._reader() as session:
        records, median = timed(lambda: rollup.records_report(
            session, PROJECT, START, end), args.baseline_runs)
    assert records == rolled, 'the rollup and the records disagree'
    print('Baseline, the report of the whole range from the records (%d '
          'run(s)): median %.0f ms, %.0fx the API p50' % (
              args.baseline_runs, median, median / p50s[START]))
    for start, stop in ranges:
        explain(storage, start, stop)
    server.shutdown()
    storage.dispose()
    return 0
