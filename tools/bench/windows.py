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
"""Windows: seconds and peak RSS to close one hourly window of N servers.

Method: a fresh database (a temporary SQLite file, or a new database on
the local PostgreSQL or MariaDB with --backend) holds N active servers,
each with its create event and open period, written in bulk beforehand
(not timed; reconcile.py's populate), and one file sink, so that every
record gets an outbox entry. A run is one WindowCloser.run in a fresh
process that closes the first hourly window of the ``instance`` meter:
N usage records, N outbox entries and the rollup rows, in the closer's
own transactions. The database is rebuilt for every run (and analyzed on
PostgreSQL, as autovacuum would have). The baseline is the same process
reading the window's periods through the closer's own query
(WindowTransaction.overlapping), writing nothing. A second baseline is the
closer without its set-wise path (add_plain_records switched off, as in
scs_metering/tests/functional/test_plain_windows.py): every record built
in Python, as before issue 18. Wall time, the process's CPU time (without
the database server's on PostgreSQL) and peak RSS (ru_maxrss) of each;
medians of --runs runs, alternating the three, with the load average
after each; CPU per record is the closer's CPU over N. The run checks
that every server got one record of 3600 seconds, and one outbox entry.
"""

import argparse
import contextlib
import datetime
import json
import os
import resource
import sys
import tempfile
import time
from unittest import mock

import sqlalchemy as sa

from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.engine import windows
from scs_metering.publisher import manager
from scs_metering.tests.functional import base

import _common
import reconcile

HOUR = datetime.timedelta(hours=1)
# What a run measures: reading the periods alone, the closer without its
# set-wise path, the closer.
READ, PYTHON, CLOSE = 'read', 'python', 'close'


def prepare(url, count, directory):
    reconcile.populate(url, count)
    conf = reconcile._conf(url)
    connection = db_api.get_connection(conf, url)
    manager.store(conf, connection, {
        'name': 'bench', 'driver': 'file',
        'url': 'file://%s/records.jsonl' % directory})
    connection.dispose()


@contextlib.contextmanager
def _python_path():
    """The closer without its set-wise path: every record from Python."""
    with mock.patch('scs_metering.db.sqlalchemy.plain.PlainWindows.'
                    'add_plain_records', lambda *args: 0), \
            mock.patch('scs_metering.db.sqlalchemy.plain.plain_pks',
                       lambda *args: sa.select(
                           models.Period.resource_pk).where(sa.false())):
        yield


def measure(url, baseline, python_path=False):
    """One run in this process; print seconds and peak RSS as JSON."""
    conf = reconcile._conf(url)
    connection = db_api.get_connection(conf, url)
    definitions = loader.load(conf)
    started, cpu = time.monotonic(), time.process_time()
    if baseline:
        meters = [definitions.meters['instance']]
        with connection.window_transaction(meters) as tx:
            found = sum(len(periods) for _resource, periods in
                        tx.overlapping('instance', reconcile.T0,
                                       reconcile.T0 + HOUR))
        report = {'rows': found}
    elif python_path:
        closer = windows.WindowCloser(connection, definitions)
        with _python_path():
            report = {'records': closer.run(until=reconcile.T0 + HOUR)}
    else:
        closer = windows.WindowCloser(connection, definitions)
        report = {'records': closer.run(until=reconcile.T0 + HOUR)}
    report['seconds'] = round(time.monotonic() - started, 2)
    report['cpu_seconds'] = round(time.process_time() - cpu, 2)
    report['peak_rss_mib'] = round(resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report))


def check(url, count):
    """Every server has one record of 3600 s and one outbox entry."""
    engine = sa.create_engine(url)
    record = models.UsageRecord
    with engine.connect() as c:
        records, wrong = c.execute(sa.select(
            sa.func.count(), sa.func.sum(sa.case(
                (record.quantity != 3600, 1), else_=0)))).one()
        entries = c.scalar(sa.select(sa.func.count()).select_from(
            models.Outbox))
    engine.dispose()
    if (records, wrong or 0, entries) != (count, 0, count):
        sys.exit('windows benchmark: wrong result: %d records (%d not '
                 '3600 s), %d outbox entries, for %d servers' % (
                     records, wrong or 0, entries, count))


def _run(backend, count, mode):
    with tempfile.TemporaryDirectory() as directory:
        if backend == 'sqlite':
            url = 'sqlite:///%s' % os.path.join(directory, 'bench.sqlite')
            drop = None
        else:
            url, drop = base.create_database(backend)
        try:
            prepare(url, count, directory)
            result = reconcile.child('windows', url, mode == READ, *(
                ['--python-path'] if mode == PYTHON else []))
            if mode != READ:
                check(url, count)
            return result
        finally:
            if drop:
                drop()


def main(argv):
    parser = argparse.ArgumentParser(prog='windows',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--servers', type=int, default=100000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--backends', default='sqlite,postgresql',
                        help='comma-separated: sqlite, postgresql, mariadb')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 2000 servers, one run')
    parser.add_argument('--database', help=argparse.SUPPRESS)
    parser.add_argument('--python-path', action='store_true',
                        help=argparse.SUPPRESS)
    reconcile.add_child_arguments(parser)
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.child:
        return measure(args.database, args.baseline, args.python_path)
    if args.quick:
        args.servers, args.runs = 2000, 1
    results = _common.Results('windows', args, __doc__)
    results['servers'] = args.servers
    results['figures'] = {}
    for backend in args.backends.split(','):
        if backend != 'sqlite' and not base.reachable(backend):
            print('windows: %s is not reachable, skipped' % backend)
            continue
        runs = {READ: [], PYTHON: [], CLOSE: []}
        for _ in range(args.runs):
            for mode in (READ, PYTHON, CLOSE):
                one = _run(backend, args.servers, mode)
                one['loadavg'] = _common.loadavg()
                runs[mode].append(one)
        close, read, python = runs[CLOSE], runs[READ], runs[PYTHON]
        figures = {
            'seconds': _common.figure([r['seconds'] for r in close]),
            'cpu_seconds': _common.figure([r['cpu_seconds'] for r in close]),
            'cpu_us_per_record': _common.figure(
                [r['cpu_seconds'] * 1e6 / args.servers for r in close], 0),
            'peak_rss_mib': _common.figure(
                [r['peak_rss_mib'] for r in close], 0),
            'baseline_seconds': _common.figure([r['seconds'] for r in read]),
            'baseline_cpu_seconds': _common.figure(
                [r['cpu_seconds'] for r in read]),
            'baseline_peak_rss_mib': _common.figure(
                [r['peak_rss_mib'] for r in read], 0),
            'python_seconds': _common.figure([r['seconds'] for r in python]),
            'python_cpu_seconds': _common.figure(
                [r['cpu_seconds'] for r in python]),
            'loadavg': [r['loadavg'][0] for r in close + read + python]}
        results['figures'][backend] = figures
        print('%s: close one hourly window of %d servers: %.1f s, CPU '
              '%.1f s (%.0f us/record) (reading its rows alone %.1f s, '
              'x%.1f; all in Python %.1f s, CPU %.1f s), peak RSS %.0f MiB '
              '(reading alone %.0f MiB); runs %s; load average %s' % (
                  backend, args.servers, figures['seconds']['median'],
                  figures['cpu_seconds']['median'],
                  figures['cpu_us_per_record']['median'],
                  figures['baseline_seconds']['median'],
                  figures['seconds']['median'] /
                  max(figures['baseline_seconds']['median'], 0.01),
                  figures['python_seconds']['median'],
                  figures['python_cpu_seconds']['median'],
                  figures['peak_rss_mib']['median'],
                  figures['baseline_peak_rss_mib']['median'],
                  ', '.join('%.1f' % r for r in figures['seconds']['runs']),
                  ', '.join('%.1f' % v for v in figures['loadavg'])),
              flush=True)
    results.write()
    return 0
