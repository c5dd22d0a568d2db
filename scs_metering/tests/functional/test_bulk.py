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
"""Bulk inserts store exactly what the ORM would, on every backend.

PostgreSQL loads them with COPY, whose text format escapes and NULLs
are the ones to get right.
"""

import datetime
import decimal

from oslo_db import exception as db_exc
import sqlalchemy as sa
import testscenarios

from scs_metering.db.sqlalchemy import bulk
from scs_metering.db.sqlalchemy import models
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

T0 = datetime.datetime(2026, 1, 1)
# Every character COPY's text format treats specially, and some it does
# not.
AWKWARD = 'tab\tnewline\nreturn\rback\\slash \\N \u00e9\u20ac "quote" \''


def _record(number, **changes):
    return dict({
        'id': 'record-%d' % number, 'revision': 1, 'current': True,
        'meter': 'instance', 'unit': 's', 'resource_pk': 1,
        'resource_type': 'instance', 'resource_id': AWKWARD,
        'project_id': 'p', 'user_id': None,
        'window_start': T0, 'window_end': T0 + datetime.timedelta(hours=1),
        'attributes': {'flavor_name': AWKWARD, 'vcpus': 1, 'gpu': None,
                       'ok': True, 'tags': ['a', 'b\\c']},
        'quantity': decimal.Decimal('3600.000000001'),
        'provenance': {'notification': 3600}, 'created_at': T0}, **changes)


class BulkInsertTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('sqlite', 'postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)
        with self.connection._writer() as session:
            session.execute(sa.insert(models.Resource), [{
                'id': 1, 'resource_type': 'instance', 'resource_id': 'r',
                'active': True, 'dirty_gen': 0, 'created_at': T0,
                'updated_at': T0}])

    def _stored(self):
        with self.connection._reader() as session:
            return {row.id: {c.name: getattr(row, c.name)
                             for c in models.UsageRecord.__table__.c}
                    for row in session.scalars(sa.select(
                        models.UsageRecord))}

    def test_values_round_trip(self):
        values = [_record(1), _record(2, project_id='', user_id='',
                                      current=False,
                                      quantity=decimal.Decimal('1E+3'),
                                      attributes={}, provenance={})]
        with self.connection._writer() as session:
            bulk.insert(session, models.UsageRecord, values)
        stored = self._stored()
        self.assertEqual({'record-1', 'record-2'}, set(stored))
        for value in values:
            self.assertEqual(value, stored[value['id']])
        # An empty string stays one, NULL stays NULL.
        self.assertEqual('', stored['record-2']['project_id'])
        self.assertIsNone(stored['record-1']['user_id'])

    def test_many_rows(self):
        values = [_record(n) for n in range(bulk.COPY_CHUNK + 7)]
        with self.connection._writer() as session:
            bulk.insert(session, models.UsageRecord, values)
        self.assertEqual(len(values), self.connection.count('UsageRecord'))

    def test_duplicate_is_oslo_db_duplicate_and_rolls_back(self):
        with self.connection._writer() as session:
            bulk.insert(session, models.UsageRecord, [_record(1)])

        def again():
            with self.connection._writer() as session:
                bulk.insert(session, models.UsageRecord,
                            [_record(2), _record(1)])
        self.assertRaises(db_exc.DBDuplicateEntry, again)
        self.assertEqual({'record-1'}, set(self._stored()))

    def test_aware_time_refused_by_copy(self):
        if self.backend != 'postgresql':
            self.skipTest('COPY is used on PostgreSQL only')
        aware = T0.replace(tzinfo=datetime.timezone.utc)

        def insert():
            with self.connection._writer() as session:
                bulk.insert(session, models.UsageRecord,
                            [_record(1, created_at=aware)])
        self.assertRaises(ValueError, insert)
        self.assertEqual(0, self.connection.count('UsageRecord'))

    def _resources(self):
        with self.connection._reader() as session:
            return {row.id: row for row in session.scalars(sa.select(
                models.Resource))}

    def test_update_by_primary_key(self):
        with self.connection._writer() as session:
            session.execute(sa.insert(models.Resource), [{
                'id': 2, 'resource_type': 'instance', 'resource_id': 's',
                'active': False, 'dirty_gen': 0, 'created_at': T0,
                'updated_at': T0, 'ended_at': T0, 'project_id': 'old'}])
        later = T0 + datetime.timedelta(hours=1)
        with self.connection._writer() as session:
            # ended_at is NULL in every row, project_id in one.
            bulk.update(session, models.Resource, [
                {'id': 1, 'project_id': AWKWARD, 'active': False,
                 'ended_at': None, 'started_at': later,
                 'attributes': {'flavor_name': AWKWARD, 'vcpus': 2},
                 'dirty_gen': 3},
                {'id': 2, 'project_id': None, 'active': True,
                 'ended_at': None, 'started_at': None, 'attributes': None,
                 'dirty_gen': 4}])
        one, two = self._resources()[1], self._resources()[2]
        self.assertEqual((AWKWARD, False, None, later,
                          {'flavor_name': AWKWARD, 'vcpus': 2}, 3, 'r'),
                         (one.project_id, one.active, one.ended_at,
                          one.started_at, one.attributes, one.dirty_gen,
                          one.resource_id))
        self.assertEqual((None, True, None, None, None, 4, 's'),
                         (two.project_id, two.active, two.ended_at,
                          two.started_at, two.attributes, two.dirty_gen,
                          two.resource_id))
