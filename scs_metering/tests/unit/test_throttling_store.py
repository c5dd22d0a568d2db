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
"""Throttling storage: rule versions, decisions, enforcement records.

``Scenario`` runs here on SQLite and in the functional tests on
PostgreSQL and MariaDB.
"""

import dataclasses
import datetime

from scs_metering.db import api as db_api
from scs_metering.tests import base
from scs_metering.tests import throttling as th
from scs_metering.throttling import decisions as dec
from scs_metering.throttling import enforcement
from scs_metering.throttling import evaluator

NOW = datetime.datetime(2025, 3, 10, 12, 5, tzinfo=datetime.timezone.utc)


def opened(values, rule_id='r1', version=1, as_of=th.AS_OF):
    """Decision documents that open for ``values`` under a budget rule."""
    rule = th.parse(th.budget(), rule_id, version)
    result = evaluator.evaluate([rule], th.snapshot([rule], values,
                                                    as_of=as_of), [])
    return [c.decision.document() for c in result.changes]


class Scenario:
    """Needs ``self.connection``."""

    def check_rule_versions(self):
        c = self.connection
        first = c.create_rule('r1', th.budget(), NOW, author='admin')
        self.assertEqual((1, 'admin'), (first.version, first.created_by))
        self.assertRaises(db_api.Conflict, c.create_rule, 'r1',
                          th.budget(), NOW)
        second = c.add_rule_version('r1', th.budget(threshold='200',
                                                    clear='150'), NOW,
                                    expected=1)
        self.assertEqual(2, second.version)
        # Another writer edited version 1 too: refused, nothing stored.
        self.assertRaises(db_api.Conflict, c.add_rule_version, 'r1',
                          th.budget(), NOW, expected=1)
        c.create_rule('r0', th.storage_cap(), NOW)
        self.assertEqual([('r0', 1), ('r1', 1), ('r1', 2)], [
            (v.rule_id, v.version) for v in c.rule_versions()])
        latest = c.rule_versions(latest=True)
        self.assertEqual([('r0', 1), ('r1', 2)],
                         [(v.rule_id, v.version) for v in latest])
        self.assertEqual('200', latest[1].document['threshold'])
        self.assertEqual(th.budget(), c.rule_versions('r1')[0].document)
        self.assertRaises(db_api.NotFound, c.rule_versions, 'nope')
        self.assertRaises(db_api.NotFound, c.add_rule_version, 'nope',
                          th.budget(), NOW)

    def check_decisions(self):
        c = self.connection
        docs = opened({'p1': '150', 'p2': '120', 'p3': '10'})
        self.assertEqual(2, len(docs))
        self.assertEqual(sorted(d['id'] for d in docs),
                         sorted(c.save_decisions(docs, NOW)))
        # The same run again (a retry after a crash): nothing opens twice.
        self.assertEqual([], c.save_decisions(docs, NOW))
        # A later run of another evaluator opens p1 again under another
        # key: refused while p1's first decision is active.
        later = opened({'p1': '150'}, as_of=th.AS_OF + datetime.timedelta(
            hours=1))
        self.assertEqual([], c.save_decisions(later, NOW))
        self.assertEqual(docs[0], c.decision(docs[0]['id']))
        self.assertEqual(2, len(c.decisions(states=['open'])))
        self.assertEqual([docs[1]], c.decisions(project_id='p2'))
        self.assertEqual([], c.decisions(rule_id='r2'))
        self.assertRaises(db_api.NotFound, c.decision, 'nope')
        # Lifted once, then refused.
        lifted = c.lift_decision(docs[0]['id'], lambda d: dec.from_document(
            d).lift(NOW, 'paid by wire').document(), NOW)
        self.assertEqual(('lifted', 'paid by wire'),
                         (lifted['state'], lifted['lift_reason']))
        self.assertRaises(db_api.Conflict, c.lift_decision, docs[0]['id'],
                          lambda d: dec.from_document(d).lift(
                              NOW, 'again').document(), NOW)
        self.assertRaises(db_api.NotFound, c.lift_decision, 'nope',
                          lambda d: d, NOW)
        # Closed: the project may open again, under a new key.
        closed = dataclasses.replace(
            dec.from_document(lifted), state=dec.CLOSED, closed_at=NOW,
            close_reason=dec.BELOW_CLEAR).document()
        self.assertEqual([], c.save_decisions([closed], NOW))
        self.assertEqual([later[0]['id']], c.save_decisions(later, NOW))
        self.assertEqual([later[0]['id'], docs[1]['id']],
                         [d['id'] for d in c.decisions(
                             states=['open', 'lifted'])])
        # Pages: newest opening first, then by id.
        everything = [d['id'] for d in c.decisions()]
        self.assertEqual(3, len(everything))
        self.assertEqual(everything[1:], [d['id'] for d in c.decisions(
            marker=everything[0])])
        self.assertEqual(everything[:1], [d['id'] for d in c.decisions(
            limit=1)])

    def check_enforcements(self):
        c = self.connection
        record = enforcement.Record(
            'keystone_limit', 'p1', 'compute/servers', {'value': 0},
            {'limit': 10}, {'limit': 0}, ('d1',), NOW, NOW)
        c.save_enforcements({record.key: record.document()}, NOW)
        self.assertEqual([record], [enforcement.from_document(d)
                                    for d in c.enforcement_records()])
        held = dataclasses.replace(record, holders=('d1', 'd2'))
        c.save_enforcements({held.key: held.document()}, NOW)
        self.assertEqual([held.document()], c.enforcement_records('p1'))
        self.assertEqual([], c.enforcement_records('p2'))
        c.save_enforcements({held.key: None}, NOW)
        self.assertEqual([], c.enforcement_records())


class ThrottlingStoreTest(Scenario, base.DBTestCase):

    def test_rule_versions(self):
        self.check_rule_versions()

    def test_decisions(self):
        self.check_decisions()

    def test_enforcements(self):
        self.check_enforcements()
