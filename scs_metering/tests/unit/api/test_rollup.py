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
"""The usage rollup always equals the sum of the current records."""

import datetime
import decimal
import random
import types

from scs_metering.agent import converter
from scs_metering.common import periodic
from scs_metering.db import models
from scs_metering.db.sqlalchemy import rollup
from scs_metering.engine import daemon as engine_daemon
from scs_metering.engine import ingest
from scs_metering.engine import usage
from scs_metering.engine import windows
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# Window widths that divide a day, a day, and a multiple of it.
METERS = {'m.3h': 3 * 3600, 'm.hour': 3600, 'm.day': 86400,
          'm.2days': 2 * 86400}
PROVENANCES = ('notification', 'audit', 'reconciliation')


class RollupTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.convert = converter.Converter(self.defs)
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection, self.defs)

    def store(self, sample, vm, project, when, **data):
        outcome = self.convert.convert('nova', fx.instance(
            sample, vm, project, 'u', when, **data))
        self.assertEqual([], outcome.quarantined)
        self.ingestor.store(outcome.events)

    def reports(self, **filters):
        with self.connection._reader() as session:
            return (rollup.report(session, **filters),
                    rollup.records_report(session, **filters))

    def test_closing_and_corrections(self):
        for vm, project in (('vm-1', 'p1'), ('vm-2', 'p1'), ('vm-3', 'p2')):
            self.store('instance-create-end', vm, project, T0,
                       launched_at=T0, created_at=T0)
        self.closer.run(until=T0 + 6 * HOUR)
        rolled, records = self.reports(project_id='p1')
        self.assertEqual(records, rolled)
        self.assertEqual(6 * 2 * 3600, rolled[0]['quantity'])
        # A late delete inside closed windows: corrections, whose old
        # revisions leave the rollup.
        self.store('instance-delete-end', 'vm-1', 'p1', T0 + 2 * HOUR,
                   deleted_at=T0 + 2 * HOUR, terminated_at=T0 + 2 * HOUR,
                   launched_at=T0, created_at=T0)
        self.closer.run(until=T0 + 6 * HOUR)
        rolled, records = self.reports(project_id='p1')
        self.assertEqual(records, rolled)
        self.assertEqual((6 + 2) * 3600, rolled[0]['quantity'])
        self.assertEqual({'notification': 8 * 3600},
                         rolled[0]['provenance'])
        for filters in ({}, {'start': T0 + HOUR, 'end': T0 + 3 * HOUR},
                        {'meters': ['instance']}, {'project_id': 'p2'}):
            rolled, records = self.reports(**filters)
            self.assertEqual(records, rolled, filters)

    def test_rebuild(self):
        self.store('instance-create-end', 'vm-1', 'p1', T0,
                   launched_at=T0, created_at=T0)
        self.closer.run(until=T0 + 3 * HOUR)
        before = self.reports()[0]
        with self.connection._writer() as session:
            rollup.rebuild(session)
        self.assertEqual(before, self.reports()[0])


class Scenario:
    """Random records and corrections at every window width.

    The report from the rollup must equal the one from the records, over
    any range. A mixin for a test case with ``self.connection``; the functional
    tests run it on PostgreSQL and MariaDB, which sum the daily rows in
    SQL.
    """

    def check_random_corrections(self, seed):
        rand = random.Random(seed)
        keys = [('instance', 'vm-%d' % i) for i in range(6)]
        with self.connection.ingest_transaction() as tx:
            pks = {key: state.pk for key, state in tx.resources(
                keys).items()}
        current = {}  # record id -> (record, revision)
        records = []
        for meter, seconds in METERS.items():
            width = datetime.timedelta(seconds=seconds)
            records += [self.record(rand, meter, key, T0 + n * width,
                                    T0 + (n + 1) * width)
                        for key in keys for n in range(4 * DAY // width)]
        self.store(records, pks, current)
        for _round in range(3):
            # Corrections: quantity, attributes, project or provenance
            # change, or nothing is left.
            changed = [self.record(rand, r.meter, (r.resource_type,
                                                   r.resource_id),
                                   r.window_start, r.window_end, id=r.id)
                       for r, _revision in current.values()
                       if rand.random() < 0.3]
            self.store(changed, pks, current)
        bounds = [None, T0, T0 + DAY, T0 + 4 * DAY, T0 - DAY,
                  T0 + 30 * datetime.timedelta(minutes=1)]
        bounds += [T0 + datetime.timedelta(seconds=rand.randrange(
            -3600, 5 * 86400)) for _ in range(12)]
        bounds += [T0 + rand.randrange(-2, 6) * DAY + rand.choice(
            (HOUR, 3 * HOUR, 23 * HOUR)) for _ in range(8)]
        checked = 0
        for start in bounds:
            for end in bounds:
                if start is not None and end is not None and start >= end:
                    continue
                filters = rand.choice((
                    {}, {'project_id': 'p1'}, {'project_id': 'p2'},
                    {'meters': ['m.hour', 'm.2days']},
                    {'resource_types': ['instance'], 'project_id': 'p1'}))
                rolled, records = self.reports(start=start, end=end,
                                               **filters)
                self.assertEqual(records, rolled, (start, end, filters))
                checked += bool(rolled)
        self.assertGreater(checked, 100)
        before = self.reports()[0]
        with self.connection._writer() as session:
            rollup.rebuild(session)
        self.assertEqual(before, self.reports()[0])

    def record(self, rand, meter, key, start, end, id=None):
        weights = [rand.randrange(0, 4) for _ in PROVENANCES]
        return models.Record(
            id=id or usage.record_id(meter, key[0], key[1], start, {}),
            meter=meter, unit='s', resource_type=key[0],
            resource_id=key[1],
            project_id=rand.choice(('p1', 'p1', 'p2', None)),
            user_id='u', window_start=start, window_end=end,
            attributes={'flavor_name': rand.choice(('a', 'b', 'c'))},
            quantity=(decimal.Decimal(rand.randrange(0, 10 ** 7)) /
                      rand.choice((1, 1000, 10 ** 9))),
            provenance={name: weight * 900 for name, weight in zip(
                PROVENANCES, weights) if weight})

    def store(self, records, pks, current):
        meters = [types.SimpleNamespace(name=name) for name in METERS]
        with self.connection.window_transaction(meters) as tx:
            tx.add_records([
                (r, pks[(r.resource_type, r.resource_id)],
                 current.get(r.id, (None, None))[1]) for r in records],
                lambda record: [])
        for r in records:
            current[r.id] = (r, current.get(r.id, (None, 0))[1] + 1)

    def reports(self, **filters):
        with self.connection._reader() as session:
            return (rollup.report(session, **filters),
                    rollup.records_report(session, **filters))


class RandomRollupTest(Scenario, base.DBTestCase):

    def test_random_corrections(self):
        self.check_random_corrections(seed=7)


class HeartbeatTest(base.DBTestCase):

    def test_engine_beats(self):
        beat = periodic.Heartbeat(self.connection.beat, 'node-1:0',
                                  engine_daemon.BINARY, {'pid': 1})
        beat.run_once()
        beat.run_once()
        [found] = self.connection.heartbeats()
        self.assertEqual(('node-1:0', 'scs-metering-engine'),
                         (found['host'], found['binary']))
        self.assertEqual(beat.started_at, found['started_at'])
