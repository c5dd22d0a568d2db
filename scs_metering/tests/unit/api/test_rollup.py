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

from scs_metering.agent import converter
from scs_metering.db.sqlalchemy import rollup
from scs_metering.engine import ingest
from scs_metering.engine import service as engine_service
from scs_metering.engine import windows
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)


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
        with self.connection.reader() as session:
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
        with self.connection.writer() as session:
            rollup.rebuild(session)
        self.assertEqual(before, self.reports()[0])


class HeartbeatTest(base.DBTestCase):

    def test_engine_beats(self):
        beat = engine_service.Heartbeat(self.connection, 'node-1:0')
        beat.run_once()
        beat.run_once()
        [found] = self.connection.heartbeats()
        self.assertEqual(('node-1:0', 'scs-metering-engine'),
                         (found['host'], found['binary']))
        self.assertEqual(beat.started_at, found['started_at'])
