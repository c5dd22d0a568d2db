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
"""Rated lines as Lago events, in the shape of Lago's documented request."""

import dataclasses
import decimal
import json
import os

from scs_metering.billing import biller
from scs_metering.publisher.formats import lago
from scs_metering.rating import rate
from scs_metering.tests import base
from scs_metering.tests import fixtures
from scs_metering.tests.unit.rating import scenario

D = decimal.Decimal


class LagoFormatTest(base.TestCase):

    def lines(self, records):
        sub = scenario.subscription()
        period = sub.cycle.period(scenario.day(11))
        rating = rate.rate(sub, scenario.plan_map(), scenario.price_lists(),
                           period, records)
        return biller.stored_lines(rating, period)

    def test_shape_is_lagos(self):
        with open(os.path.join(fixtures.ROOT, 'formats', 'lago',
                               'events-batch-req.json')) as f:
            sample = json.load(f)['events'][0]
        lines = [dataclasses.replace(line, revision=1)
                 for line in self.lines(scenario.records())]
        [body] = lago.batches(lines, {}, 'CRM-0042')
        for item in body['events']:
            self.assertEqual(sorted(sample), sorted(item))
            self.assertIsInstance(item['timestamp'], int)
            self.assertEqual('CRM-0042', item['external_subscription_id'])
        self.assertEqual(len(lines), len({e['transaction_id']
                                          for e in body['events']}))

    def test_revisions_sum_to_the_current_one(self):
        first = {line.usage_id: dataclasses.replace(line, revision=1)
                 for line in self.lines(scenario.records())}
        corrected = [dataclasses.replace(r, quantity=43200, revision=2)
                     if r.id == 'r03' else r for r in scenario.records()]
        second = [dataclasses.replace(line, revision=2)
                  for line in self.lines(corrected)
                  if line.usage_id == 'r03']
        previous = {(line.id, 1): line for line in first.values()}
        events = lago.batches(list(first.values()), {})[0]['events'] + \
            lago.batches(second, previous)[0]['events']
        mine = [e for e in events
                if e['properties']['usage_id'] == 'r03']
        # 86400 s first, then -43200 s: Lago adds them up to 43200 s.
        self.assertEqual(['86400', '-43200'],
                         [e['properties']['quantity'] for e in mine])
        self.assertEqual(D('43200'), sum(
            (D(e['properties']['quantity']) for e in mine), D(0)))
        self.assertEqual([second[0].id + ':1', second[0].id + ':2'],
                         [e['transaction_id'] for e in mine])

    def test_batches_of_a_hundred(self):
        line = dataclasses.replace(self.lines(scenario.records())[0],
                                   revision=1)
        lines = [dataclasses.replace(line, id='l%03d' % n)
                 for n in range(250)]
        self.assertEqual([100, 100, 50], [len(b['events'])
                                          for b in lago.batches(lines, {})])
