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
"""Golden tests: the worked example of the billing guide, byte for byte.

The usage and prices are in scenario.py. Every figure below is worked
out by hand; the files in golden/ hold the exact output. When a change
is meant to alter them, regenerate with SCS_METERING_TEST_GOLDEN=write
and review the diff line by line.

The period: anchor day 1 in Europe/Berlin, so February 2024 runs from
2024-02-01 00:00 CET = 2024-01-31T23:00:00Z to 2024-03-01 00:00 CET =
2024-02-29T23:00:00Z: 29 days (a leap year), 2,505,600 s. The
subscription starts on 11 February 00:00 CET = 2024-02-10T23:00:00Z,
19 days = 1,641,600 s before the period ends: 19/29 of it.

server-small, 0.0125 per hour, 24 free hours (plan allowance):
  r01 24 h: position 0 -> 24 h, all free: 0.00
  r02 12 h: position 24 -> 36 h, 12 billable: 12 * 0.0125 = 0.15
  line 36 h = 129,600 s: 0.15
server-large, graduated: [0, 100) h at 0.10, [100, inf) at 0.08:
  r03 24 h: 2.40    r04 24 h: 4.80 - 2.40 = 2.40
  r05 24 h: 2.40    r06 24 h: 9.60 - 7.20 = 2.40
  r07 15 h: 4 h at 0.10 + 11 h at 0.08 = 0.40 + 0.88 = 1.28
  line 111 h = 399,600 s: 100 * 0.10 + 11 * 0.08 = 10.88
volume, volume tiers: [0, 100) GiB*h at 0.001, [100, inf) at 0.0008:
  r08 10 GiB for 86,400 s = 864,000 GiB*s = 240 GiB*h, all of it at the
  tier it reaches: 240 * 0.0008 = 0.192, rounded half-even: 0.19
  minimum 15.00 per period, prorated: 15 * 19/29 = 9.827586...;
  top-up: 9.827586... - 0.192 = 9.635586... -> 9.64
  (usage plus top-up: 0.19 + 9.64 = 9.83 = 15 * 19/29 rounded.)
egress, packages of 100 GiB at 5.00, 10 GiB free:
  r09 150 GiB: 140 billable, 2 packages started: 10.00
fees, accrued to the second:
  base 10.00 * 19/29 = 6.551724... -> 6.55
  support (a flat price) 20.00 * 19/29 = 13.103448... -> 13.10
unrated: r10, an m1.xlarge that no price matches: listed, not billed.
total: 0.15 + 10.88 + 0.19 + 10.00 + 9.64 + 6.55 + 13.10 = 50.51
"""

import datetime
import json
import os

from oslotest import base

from scs_metering.rating import invoices
from scs_metering.rating import rate
from scs_metering.tests.unit.rating import scenario

GOLDEN = os.path.join(os.path.dirname(__file__), 'golden')
GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'doc', 'source', 'admin', 'billing.rst')
UTC = datetime.timezone.utc


def golden_bytes(document):
    return (json.dumps(document, sort_keys=True, indent=1,
                       ensure_ascii=False) + '\n').encode('utf-8')


class GoldenTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.subscription = scenario.subscription()
        self.period = self.subscription.cycle.period(scenario.day(11))

    def assertGolden(self, name, document):
        path = os.path.join(GOLDEN, name)
        produced = golden_bytes(document)
        if os.environ.get('SCS_METERING_TEST_GOLDEN') == 'write':
            with open(path, 'wb') as out:
                out.write(produced)
        with open(path, 'rb') as expected:
            self.assertEqual(expected.read().decode('utf-8'),
                             produced.decode('utf-8'))

    def rate(self, records=None, until=None, period=None, lists=None):
        return rate.rate(self.subscription, scenario.plan_map(),
                         lists or scenario.price_lists(),
                         period or self.period,
                         scenario.records() if records is None else records,
                         until=until)

    def amounts(self, invoice):
        return {(line['kind'], line['item']): line['amount']
                for line in invoice['lines']}

    def test_period(self):
        self.assertEqual(datetime.datetime(2024, 1, 31, 23, tzinfo=UTC),
                         self.period.start)
        self.assertEqual(datetime.datetime(2024, 2, 29, 23, tzinfo=UTC),
                         self.period.end)
        self.assertEqual(29 * 86400, self.period.seconds)

    def test_rated_lines(self):
        rating = self.rate()
        shares = {r.usage_id: str(r.amount) for r in rating.rated}
        self.assertEqual({'r01': '0.00', 'r02': '0.15', 'r03': '2.40',
                          'r04': '2.40', 'r05': '2.40', 'r06': '2.40',
                          'r07': '1.28', 'r08': '0.19', 'r09': '10.00'},
                         shares)
        self.assertEqual(['r10'], [u.usage_id for u in rating.unrated])
        self.assertGolden('february-rated.json',
                          [r.document() for r in rating.rated] +
                          [u.document() for u in rating.unrated])

    def test_invoice(self):
        invoice = invoices.build('inv-feb', self.subscription, self.rate(),
                                 {}, scenario.day(29))
        self.assertEqual({('usage', 'server-small'): '0.15',
                          ('usage', 'server-large'): '10.88',
                          ('usage', 'volume'): '0.19',
                          ('usage', 'egress'): '10.00',
                          ('minimum', 'volume'): '9.64',
                          ('fee', 'base'): '6.55',
                          ('fee', 'support'): '13.10'},
                         self.amounts(invoice))
        self.assertEqual('50.51', invoice['total'])
        final = invoices.finalize(invoice, 'SCS-2024-0001',
                                  datetime.datetime(2024, 3, 1, tzinfo=UTC))
        self.assertGolden('february-invoice.json', final)
        self.assertTrue(invoices.verify(final))

    def test_interim_then_final(self):
        """An interim on 14 February 00:00 UTC, then the closing invoice.

        The interim covers the windows that ended by then: r01-r05, r08,
        r09 (and r10, unrated). Fees accrue 2024-02-10T23:00Z to
        2024-02-14T00:00Z = 73 h = 262,800 s of 696 h:
          server-small 36 h, 12 billable: 0.15
          server-large 72 h: 7.20
          volume 240 GiB*h: 0.19 (no minimum: the segment is not over)
          egress: 10.00
          base 10.00 * 73/696 = 1.048850... -> 1.05
          support 20.00 * 73/696 = 2.097701... -> 2.10
          total 20.69
        The closing invoice bills the period's rounded amounts less what
        the interim billed:
          server-large 10.88 - 7.20 = 3.68 (39 h)
          volume minimum 9.64 (new)
          base 6.55 - 1.05 = 5.50; support 13.10 - 2.10 = 11.00
          server-small, volume and egress: nothing new, no line
          total 29.82; and 20.69 + 29.82 = 50.51, the single invoice.
        """
        until = datetime.datetime(2024, 2, 14, tzinfo=UTC)
        interim = invoices.build(
            'inv-feb-1', self.subscription, self.rate(until=until), {},
            until)
        self.assertEqual('interim', interim['kind'])
        self.assertEqual({('usage', 'server-small'): '0.15',
                          ('usage', 'server-large'): '7.20',
                          ('usage', 'volume'): '0.19',
                          ('usage', 'egress'): '10.00',
                          ('fee', 'base'): '1.05',
                          ('fee', 'support'): '2.10'},
                         self.amounts(interim))
        self.assertEqual('20.69', interim['total'])
        interim = invoices.finalize(interim, 'SCS-2024-0001', until)
        billed = invoices.billed_state([interim], self.period)
        final = invoices.build(
            'inv-feb-2', self.subscription, self.rate(), billed,
            scenario.day(29), since=until)
        self.assertEqual({('usage', 'server-large'): '3.68',
                          ('minimum', 'volume'): '9.64',
                          ('fee', 'base'): '5.50',
                          ('fee', 'support'): '11.00'},
                         self.amounts(final))
        self.assertEqual('29.82', final['total'])
        self.assertGolden('february-interim.json', interim)
        self.assertGolden('february-final-after-interim.json', final)

    def test_correction_after_finalization(self):
        """r07 is revised from 15 h to 20 h after February was closed.

        Re-rated, server-large is 116 h: 100 * 0.10 + 16 * 0.08 = 11.28,
        billed 10.88: a correction of +0.40 for 5 h = 18,000 s, which
        the March invoice carries, naming the February invoice.
        March (2024-02-29T23:00Z to 2024-03-31T22:00Z: Berlin moves to
        summer time on 31 March, so the period is 743 h) has no usage:
          base 10.00 and support 20.00, whole periods;
          volume minimum 15.00, no usage to deduct;
          correction +0.40; total 45.40.
        """
        february = invoices.finalize(
            invoices.build('inv-feb', self.subscription, self.rate(), {},
                           scenario.day(29)),
            'SCS-2024-0001', scenario.day(29))
        records = [r if r.id != 'r07' else r.__class__(**dict(
            vars(r), quantity=72000, revision=2))
            for r in scenario.records()]
        billed = invoices.billed_state([february], self.period)
        lines = invoices.corrections(self.rate(records), billed, 'inv-feb')
        self.assertEqual([('server-large', '18000', '0.40', 'Correction')],
                         [(c['item'], c['quantity'], c['amount'],
                           c['charge_class']) for c in lines])
        march = self.subscription.cycle.next(self.period)
        self.assertEqual(743 * 3600, march.seconds)
        invoice = invoices.build(
            'inv-mar', self.subscription,
            self.rate([], period=march), {}, march.end,
            corrections_=lines)
        self.assertEqual('45.40', invoice['total'])
        self.assertGolden('march-with-correction.json', invoice)
        # Corrected once, the period has nothing left to correct.
        billed = invoices.billed_state([february, invoice], self.period)
        self.assertEqual([], invoices.corrections(self.rate(records),
                                                  billed, 'inv-feb'))

    def test_the_guide_shows_these_figures(self):
        """The billing guide's worked example is this test's, kept as one."""
        with open(GUIDE) as guide:
            text = guide.read()
        for figure in ('**50.51**', '0.15 + 7.20 + 0.19 + 10.00 + 1.05 + '
                       '2.10 = 20.69', '29.82', 'And 20.69 + 29.82 = 50.51',
                       '11.28 − 10.88 = 0.40', '45.40', '15.00 × 19/29 − '
                       '0.192 = 9.635586…', '2,505,600'):
            self.assertIn(figure, text.replace('\n', ' '))
