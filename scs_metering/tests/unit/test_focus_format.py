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
"""FOCUS 1.2 rows of invoices, checked against the spec's column list.

The column list is the extraction of the FOCUS 1.2 specification in
../shared/fixtures/formats/focus/columns-v1.2.json. The invoices are the
rating core's worked example (tests/unit/rating/scenario.py), closed,
then corrected on the next month's invoice.
"""

import csv
import dataclasses
import decimal
import io
import json
import os
import re

from scs_metering.publisher.formats import focus
from scs_metering.rating import invoices
from scs_metering.rating import rate
from scs_metering.tests import base
from scs_metering.tests import fixtures
from scs_metering.tests.unit.rating import scenario

D = decimal.Decimal
TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


def spec_columns():
    path = os.path.join(fixtures.ROOT, 'formats', 'focus',
                        'columns-v1.2.json')
    with open(path) as f:
        return {c['column_id']: c for c in json.load(f)['columns']}


class FocusFormatTest(base.TestCase):

    def setUp(self):
        super().setUp()
        sub = scenario.subscription()
        self.sub = sub
        self.period = sub.cycle.period(scenario.day(11))
        rating = self.rate(self.period, scenario.records())
        self.first = invoices.finalize(invoices.build(
            'inv-1', sub, rating, {}, scenario.day(29)), 'ACME-1',
            scenario.day(29))
        # r03 turns out to have run half a day only: corrected next month.
        corrected = [dataclasses.replace(r, quantity=43200, revision=2)
                     if r.id == 'r03' else r for r in scenario.records()]
        corrections = invoices.corrections(
            self.rate(self.period, corrected),
            invoices.billed_state([self.first], self.period), 'inv-1')
        march = sub.cycle.next(self.period)
        self.second = invoices.build(
            'inv-2', sub, self.rate(march, []), {}, march.end,
            corrections_=corrections)

    def rate(self, period, records):
        return rate.rate(self.sub, scenario.plan_map(),
                         scenario.price_lists(), period, records)

    def test_columns_are_focus_1_2(self):
        spec = spec_columns()
        self.assertEqual([], [c for c in focus.COLUMNS if c not in spec])
        required = [c for c, d in spec.items()
                    if d['feature_level'] == 'Mandatory']
        self.assertEqual([], [c for c in required if c not in focus.COLUMNS])
        for document in (self.first, self.second):
            for row in focus.invoice_rows(document, 'ACME Cloud'):
                for name, value in row.items():
                    column = spec[name]
                    if value is None:
                        self.assertTrue(column['allows_nulls'], name)
                        continue
                    self.assertIsInstance(value, str, name)
                    if column['data_type'] == 'Date/Time':
                        self.assertRegex(value, TIME)
                    elif column['data_type'] == 'Decimal':
                        D(value)
                    if column['allowed_values']:
                        self.assertIn(value, [
                            a['value'] for a in column['allowed_values']],
                            name)

    def test_billed_cost_sums_to_the_total(self):
        for document in (self.first, self.second):
            rows = focus.invoice_rows(document, 'ACME Cloud')
            self.assertEqual(len(document['lines']), len(rows))
            self.assertEqual(D(document['total']), sum(
                (D(r['BilledCost']) for r in rows), D(0)))

    def test_correction_rows(self):
        rows = focus.invoice_rows(self.second, 'ACME Cloud')
        [row] = [r for r in rows if r['ChargeClass'] == 'Correction']
        # Half a day less of m1.large (graduated: 0.10 an hour up to 100
        # hours, 0.08 after): 111 hours were 100 * 0.10 + 11 * 0.08 =
        # 10.88; 99 hours are 9.90; so -0.98, billed in March's invoice
        # for February's charge.
        self.assertEqual(('-0.98', '-12', 'public:1:server-large'),
                         (row['BilledCost'], row['PricingQuantity'],
                          row['SkuPriceId']))
        self.assertEqual(self.second['billing_period_start'],
                         row['BillingPeriodStart'])
        self.assertLess(row['ChargePeriodStart'], row['BillingPeriodStart'])
        self.assertEqual('p1', row['SubAccountId'])
        self.assertEqual('CRM-0042', row['BillingAccountId'])

    def test_csv_and_json_lines(self):
        rows = focus.invoice_rows(self.first, 'ACME Cloud')
        parsed = list(csv.DictReader(io.StringIO(focus.to_csv(rows))))
        self.assertEqual([{k: v or None for k, v in r.items()}
                          for r in parsed], rows)
        lines = focus.to_json_lines(rows).splitlines()
        self.assertEqual(rows, [json.loads(line) for line in lines])
        # No number in JSON at all: amounts are strings, never floats.
        self.assertEqual(set(), {type(v) for line in lines
                                 for v in json.loads(line).values()} - {
            str, type(None)})
