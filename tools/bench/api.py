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
servers of one project over --days days (10,000 x 30 x 24 = 7.2 million
records), four flavors, one hour in ten inferred by reconciliation. They
are written one window at a time as the window closer writes them:
records plus rollup.apply in one transaction. The API (noauth, so that
Keystone's latency is not measured) runs on a threaded WSGI server on
loopback; --requests GETs of /v1/usage for the whole range grouped by
flavor are timed from the client, after a few warm-up calls, and their
p50 and p99 are printed. The baseline is the same report computed from
the records themselves (rollup.records_report), timed --baseline-runs
times; the ratio is baseline median / API p50. The query plans of the
report query are printed.
"""

import argparse
import datetime
import decimal
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from wsgiref import simple_server

import requests
import sqlalchemy as sa

# Selects oslo.service's threading backend, as the commands do.
from scs_metering import cmd  # noqa: F401
from scs_metering.api import app  # noqa: H306
from scs_metering.cmd import api as cmd_api
from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rollup
from scs_metering import service

PROJECT = '8d6b8e2f9a4c4f5e9b1a2c3d4e5f6a7b'
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
# Bind parameters of the insert, in order.
KEYS = ('id', 'current', 'pk', 'rid', 'project', 'start', 'end',
        'attributes', 'quantity', 'provenance', 'start')
FLAVORS = [('m1.small', 1, 2048), ('m1.medium', 2, 4096),
           ('m1.large', 4, 8192), ('m1.xlarge', 8, 16384)]


def seed(storage, resources, days):
    """The records of the closed windows, and their rollup, per window.

    Records go in with plain executemany (the seeding would otherwise
    take longer than the measurement); the rollup is maintained by the
    real rollup.apply, as the window closer does.
    """
    with storage.writer() as session:
        session.execute(sa.insert(models.Resource), [
            {'resource_type': 'instance', 'resource_id': 'vm-%05d' % i,
             'project_id': PROJECT, 'active': True, 'dirty_gen': 0,
             'created_at': START, 'updated_at': START}
            for i in range(resources)])
        pks = list(session.scalars(sa.select(models.Resource.id).order_by(
            models.Resource.id)))
    sqlite = storage.dialect == 'sqlite'
    stamp = ((lambda t: t.strftime('%Y-%m-%d %H:%M:%S.%f')) if sqlite
             else (lambda t: t))
    groups = [{'flavor_name': name, 'flavor_id': name, 'vcpus': vcpus,
               'memory_mb': memory, 'root_gb': 20, 'ephemeral_gb': 0,
               'state': 'active'} for name, vcpus, memory in FLAVORS]
    texts = [json.dumps(g, sort_keys=True, separators=(',', ':'))
             for g in groups]
    provenances = {name: {name: 3600}
                   for name in ('notification', 'reconciliation')}
    insert = sa.text(
        'INSERT INTO usage_records (id, revision, "current", meter, unit, '
        'resource_pk, resource_type, resource_id, project_id, user_id, '
        'window_start, window_end, attributes, quantity, provenance, '
        'created_at) VALUES (:id, 1, :current, \'instance\', \'s\', :pk, '
        '\'instance\', :rid, :project, \'u\', :start, :end, :attributes, '
        ':quantity, :provenance, :start)')
    hour = datetime.timedelta(hours=1)
    quantity = decimal.Decimal(3600)
    for h in range(days * 24):
        window_start = (START + h * hour).replace(tzinfo=None)
        window_end = window_start + hour
        raw, values = [], []
        for i, pk in enumerate(pks):
            provenance = ('reconciliation' if (i + h) % 10 == 0
                          else 'notification')
            raw.append({
                'id': '%04d-%031d' % (h, i), 'current': True, 'pk': pk,
                'rid': 'vm-%05d' % i, 'project': PROJECT,
                'start': stamp(window_start), 'end': stamp(window_end),
                'attributes': texts[i % len(FLAVORS)],
                'quantity': '3600' if sqlite else quantity,
                'provenance': '{"%s":3600}' % provenance})
            values.append({
                'project_id': PROJECT, 'meter': 'instance', 'unit': 's',
                'resource_type': 'instance', 'window_start': window_start,
                'window_end': window_end,
                'attributes': groups[i % len(FLAVORS)],
                'quantity': quantity,
                'provenance': provenances[provenance]})
        with storage.writer() as session:
            if sqlite:
                # The DB-API's own executemany: 5x faster than through
                # SQLAlchemy, and the seeding dominates the run.
                session.connection().connection.cursor().executemany(
                    str(insert.compile(dialect=storage.engine.dialect)),
                    [tuple(r[k] for k in KEYS) for r in raw])
            else:
                session.execute(insert, raw)
            rollup.apply(session, values, [])
        if h % 24 == 23:
            print('  seeded day %d' % (h // 24 + 1), flush=True)


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


def explain(storage, end):
    query = rollup._filtered(
        rollup._columns(models.UsageRollup), models.UsageRollup, PROJECT,
        START, end, None, None)
    compiled = query.compile(storage.engine,
                             compile_kwargs={'literal_binds': True})
    prefixes = {'sqlite': 'EXPLAIN QUERY PLAN ',
                'postgresql': 'EXPLAIN ANALYZE '}
    prefix = prefixes.get(storage.dialect, 'EXPLAIN ')
    with storage.engine.connect() as connection:
        print('Query plan (%s) of:\n  %s' % (
            storage.dialect, str(compiled).replace('\n', '\n  ')))
        for row in connection.execute(sa.text(prefix + str(compiled))):
            print('  ' + ' | '.join(str(v) for v in row))


def main(argv):
    parser = argparse.ArgumentParser(prog='api', description=__doc__)
    parser.add_argument('--database', help='SQLAlchemy URL of an empty '
                        'database (default: SQLite in a temporary directory)')
    parser.add_argument('--resources', type=int, default=10000)
    parser.add_argument('--days', type=int, default=30)
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--baseline-runs', type=int, default=3)
    parser.add_argument('--baseline-days', type=int, default=1,
                        help='days of records the baseline report reads; '
                        'summing a month of them takes minutes')
    args = parser.parse_args(argv)
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
    seed(storage, args.resources, args.days)
    print('Seeded %d records of %d servers over %d days in %.0f s' % (
        args.resources * args.days * 24, args.resources, args.days,
        time.monotonic() - started))
    end = START + datetime.timedelta(days=args.days)
    server = serve(conf, storage)
    url = 'http://127.0.0.1:%d/v1/usage' % server.server_port
    params = {'project_id': PROJECT, 'group_by': 'flavor_name',
              'start': START.strftime('%Y-%m-%dT%H:%M:%SZ'),
              'end': end.strftime('%Y-%m-%dT%H:%M:%SZ')}
    headers = {'X-Project-Id': PROJECT, 'X-Roles': 'reader'}
    client = requests.Session()
    for _ in range(5):
        report = client.get(url, params=params, headers=headers).json()
    latencies = []
    for _ in range(args.requests):
        begun = time.perf_counter()
        response = client.get(url, params=params, headers=headers)
        latencies.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.text
    baseline_end = START + datetime.timedelta(days=args.baseline_days)
    baseline = []
    for _ in range(args.baseline_runs):
        begun = time.perf_counter()
        with storage.reader() as session:
            expected = rollup.records_report(session, PROJECT, START,
                                             baseline_end)
        baseline.append((time.perf_counter() - begun) * 1000)
    with storage.reader() as session:
        assert rollup.report(session, PROJECT, START, baseline_end) == (
            expected), 'the rollup and the records disagree'
    p50 = percentile(latencies, 0.5)
    print(json.dumps(report['usage'][0], sort_keys=True))
    print('GET /v1/usage (%d requests): p50 %.1f ms, p99 %.1f ms, '
          'max %.1f ms' % (len(latencies), p50,
                           percentile(latencies, 0.99), max(latencies)))
    print('Baseline, the report of the first %d day(s) from the records '
          '(%d runs): median %.0f ms, %.0fx the API p50 for the whole range'
          % (args.baseline_days, len(baseline), statistics.median(baseline),
             statistics.median(baseline) / p50))
    explain(storage, end)
    server.shutdown()
    storage.dispose()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
