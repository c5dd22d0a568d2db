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
"""Reconcile: seconds and peak RSS to diff and apply 1e5 and 1e6 servers.

Method: a database (a temporary SQLite file by default, a new database on
the local PostgreSQL or MariaDB with --backend, or --database URL) holds
N active servers, each with its create event and open period, written in
bulk beforehand (not timed; analyzed on PostgreSQL, as autovacuum would
have). The listing is N servers in the nova API
sample's format, in pages of 1000 that are generated and JSON-encoded,
then decoded as the client does, one page at a time; HTTP itself is left
out. 1% of the listed servers are unknown to the engine (missed creates),
1% have another flavor (drift) and 1% of the tracked servers are absent
from the listing (missed deletes, within the guard). A run is one
Reconciler.run('instance') in a fresh process on a fresh copy of the
database: its wall time, its CPU time (which the machine's load does not
inflate; on SQLite it includes the database's work) and its peak RSS
(ru_maxrss), against a baseline of the same process that only imports,
connects and decodes the pages. Runs alternate baseline and reconcile;
the figures are medians of --runs runs, with the load average of each.
"""

import argparse
import copy
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import loader
from scs_metering.reconcile import runner
from scs_metering import service
from scs_metering.tests.functional import base
from scs_metering.tests.simulator import api as sim_api

import _common

RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'run.py')

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
NOW = T0 + datetime.timedelta(days=1)
PROJECT = '6f70656e737461636b20342065766572'
TINY = {'flavor_name': 'm1.tiny', 'flavor_id': '1', 'vcpus': 1,
        'memory_mb': 512, 'root_gb': 1, 'ephemeral_gb': 0,
        'state': 'active'}
PAGE = 1000


def server_id(i):
    return '00000000-0000-4000-8000-%012d' % i


class ListingCloud:
    """The Cloud interface, listing generated servers page by page."""

    def __init__(self, count):
        self.count = count
        renderer = sim_api.Renderer()
        self.flavors = renderer.flavors()
        self.template = renderer.templates['server']
        self.tiny = self._encoded('m1.tiny', 512, 1)
        self.small = self._encoded('m1.small', 2048, 20)

    def _encoded(self, flavor, ram, disk):
        """One server as JSON text, with a %(id)s hole for its id."""
        item = copy.deepcopy(self.template)
        item.update({'id': '@ID@', 'tenant_id': PROJECT,
                     'user_id': 'fake', 'created': '2026-01-01T00:00:00Z',
                     'updated': '2026-01-01T00:00:00Z',
                     'OS-SRV-USG:launched_at': '2026-01-01T00:00:00.000000',
                     'OS-EXT-STS:vm_state': 'active', 'status': 'ACTIVE'})
        item['flavor'].update(original_name=flavor, ram=ram, disk=disk)
        text = json.dumps(item).replace('%', '%%')
        return text.replace('@ID@', '%(id)s')

    def _item(self, i):
        # Every 100th listed server (i % 100 == 1) has another flavor.
        return (self.small if i % 100 == 1 else self.tiny) % {
            'id': server_id(i)}

    def pages(self, service_type, path, collection, params=None,
              headers=None, style=None):
        params = params or {}
        if collection == 'flavors':
            yield self.flavors
            return
        if 'status' in params or 'deleted' in params:
            return
        # Every 100th tracked server (i % 100 == 0) is gone; servers
        # count..count*1.01 are new.
        listed = (i for i in range(int(self.count * 1.01))
                  if i % 100 != 0 or i >= self.count)
        page = []
        for i in listed:
            page.append(self._item(i))
            if len(page) == PAGE:
                yield self._wire(page, collection)
                page = []
        if page:
            yield self._wire(page, collection)

    def _wire(self, page, collection):
        body = '{"%s": [%s]}' % (collection, ', '.join(page))
        return json.loads(body)[collection]


def populate(url, count):
    conf = _conf(url)
    connection = db_api.get_connection(conf, url)
    connection.upgrade()
    now = timeutils.to_db(NOW)
    start = timeutils.to_db(T0)
    with connection._engine.begin() as c:
        for low in range(0, count, 10000):
            ids = range(low, min(count, low + 10000))
            c.execute(sa.insert(models.Resource), [{
                'id': i + 1, 'resource_type': 'instance',
                'resource_id': server_id(i), 'project_id': PROJECT,
                'user_id': 'fake', 'active': True, 'started_at': start,
                'attributes': TINY, 'first_event_at': start,
                'last_event_at': start, 'last_event_key': '0:%d' % i,
                'dirty_gen': 0, 'created_at': now, 'updated_at': now}
                for i in ids])
            c.execute(sa.insert(models.Event), [{
                'id': 'create-%d' % i, 'resource_pk': i + 1,
                'action': 'create', 'event_time': start,
                'project_id': PROJECT, 'user_id': 'fake',
                'attributes': TINY, 'provenance': 'notification',
                'received_at': now} for i in ids])
            c.execute(sa.insert(models.Period), [{
                'resource_pk': i + 1, 'started_at': start, 'state': 'active',
                'project_id': PROJECT, 'user_id': 'fake',
                'attributes': TINY, 'provenance': 'notification',
                'start_event_id': 'create-%d' % i} for i in ids])
    if connection.dialect == 'postgresql':
        with connection._engine.connect() as c:
            # The ids above were given, so the sequence has not moved.
            c.execute(sa.text("SELECT setval(pg_get_serial_sequence("
                              "'resources', 'id'), :n)"), {'n': max(count, 1)})
            # As autovacuum would have by then: plans need statistics.
            c.execute(sa.text('ANALYZE'))
            c.commit()
    connection.dispose()


def _conf(url):
    conf = service.new_conf()
    conf([], project='scs-metering', default_config_files=[],
         default_config_dirs=[])
    conf.set_override('connection', url, 'database')
    conf.set_override('page_size', PAGE, 'reconciliation')
    # The benchmarks' file sinks write to their temporary directories.
    conf.set_override('file_sink_dirs', [tempfile.gettempdir()],
                      'publisher')
    return conf


def measure(url, count, baseline):
    """One run in this process; print seconds and peak RSS as JSON."""
    conf = _conf(url)
    connection = db_api.get_connection(conf, url)
    cloud = ListingCloud(count)
    started, cpu = time.monotonic(), time.process_time()
    if baseline:
        listed = sum(len(p) for p in cloud.pages(
            'compute', '/servers/detail', 'servers'))
        report = {'listed': listed}
    else:
        reconciler = runner.Reconciler(conf, connection, cloud,
                                       loader.load(conf), host='bench',
                                       clock=lambda: NOW)
        result = reconciler.run('instance')
        report = {k: getattr(result, k) for k in (
            'status', 'listed', 'matched', 'missed_creates',
            'missed_deletes', 'drift', 'errors')}
    report['seconds'] = round(time.monotonic() - started, 2)
    report['cpu_seconds'] = round(time.process_time() - cpu, 2)
    report['peak_rss_mib'] = round(resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report))


def add_child_arguments(parser):
    """The options child() gives the fresh process, hidden from --help."""
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    parser.add_argument('--baseline', action='store_true',
                        help=argparse.SUPPRESS)


def child(name, url, baseline, *arguments):
    """The JSON report of one measurement in a fresh process.

    The process runs benchmark ``name`` through run.py, which prepares it
    as the commands are prepared.
    """
    command = [sys.executable, RUN, name, '--child', '--database', url,
               *arguments]
    if baseline:
        command.append('--baseline')
    out = subprocess.run(command, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _database(backend, url, directory):
    """A URL of an empty database, and a function to drop it (or None)."""
    if url:
        return url, None
    if backend == 'sqlite':
        return 'sqlite:///%s' % os.path.join(directory, 'bench.sqlite'), None
    return base.create_database(backend)


def _copies(backend, url, count, directory):
    """A function returning a fresh populated database per run.

    On SQLite the database is populated once and copied for each run; on
    a server it is populated again.
    """
    if backend == 'sqlite' and not url:
        template = os.path.join(directory, 'template.sqlite')
        populate('sqlite:///%s' % template, count)

        def fresh():
            path = os.path.join(directory, 'run.sqlite')
            shutil.copyfile(template, path)
            return 'sqlite:///%s' % path, None
        return fresh

    def fresh():
        found, drop = _database(backend, url, directory)
        populate(found, count)
        return found, drop
    return fresh


def main(argv):
    parser = argparse.ArgumentParser(prog='reconcile',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--counts', default='100000,1000000',
                        help='comma-separated numbers of servers')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--backend', default='sqlite',
                        choices=('sqlite', 'postgresql', 'mariadb'))
    parser.add_argument('--database',
                        help='SQLAlchemy URL of an empty database, instead '
                             'of a new one of --backend')
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 2000 servers, one run')
    parser.add_argument('--count', type=int, help=argparse.SUPPRESS)
    add_child_arguments(parser)
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.child:
        return measure(args.database, args.count, args.baseline)
    if args.quick:
        args.counts, args.runs = '2000', 1
    results = _common.Results('reconcile', args, __doc__)
    results['backend'] = args.backend
    results['figures'] = {}
    failed = False
    for count in [int(c) for c in args.counts.split(',')]:
        runs = {True: [], False: []}
        with tempfile.TemporaryDirectory() as directory:
            started = time.monotonic()
            fresh = _copies(args.backend, args.database, count, directory)
            setup = time.monotonic() - started
            for _ in range(args.runs):
                for baseline in (True, False):
                    url, drop = fresh()
                    try:
                        one = child('reconcile', url, baseline, '--count',
                                    str(count))
                    finally:
                        if drop:
                            drop()
                    one['loadavg'] = _common.loadavg()
                    runs[baseline].append(one)
        run, base_ = runs[False], runs[True]
        figures = {
            'seconds': _common.figure([r['seconds'] for r in run]),
            'cpu_seconds': _common.figure([r['cpu_seconds'] for r in run]),
            'cpu_us_per_server': _common.figure(
                [r['cpu_seconds'] * 1e6 / count for r in run], 0),
            'peak_rss_mib': _common.figure([r['peak_rss_mib'] for r in run],
                                           0),
            'baseline_seconds': _common.figure([r['seconds'] for r in base_]),
            'baseline_cpu_seconds': _common.figure(
                [r['cpu_seconds'] for r in base_]),
            'baseline_peak_rss_mib': _common.figure(
                [r['peak_rss_mib'] for r in base_], 0),
            'loadavg': [r['loadavg'][0] for r in run + base_],
            'outcome': {k: v for k, v in run[-1].items() if k not in (
                'seconds', 'cpu_seconds', 'peak_rss_mib', 'loadavg')},
            'setup_seconds': round(setup)}
        results['figures'][str(count)] = figures
        print('%9d servers: reconcile %.1f s, CPU %.1f s (%.0f us/server) '
              '(listing alone %.1f s, CPU %.1f s), peak RSS %.0f MiB '
              '(listing alone %.0f MiB), medians of %d; setup %.0f s; %s' % (
                  count, figures['seconds']['median'],
                  figures['cpu_seconds']['median'],
                  figures['cpu_us_per_server']['median'],
                  figures['baseline_seconds']['median'],
                  figures['baseline_cpu_seconds']['median'],
                  figures['peak_rss_mib']['median'],
                  figures['baseline_peak_rss_mib']['median'], args.runs,
                  setup, figures['outcome']), flush=True)
        if any(r['status'] != 'success' or r['errors'] for r in run):
            failed = True
    results.write()
    if failed:
        sys.exit('reconcile benchmark: a run did not succeed')
    return 0
