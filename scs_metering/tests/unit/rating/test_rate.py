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
"""Rating rules beyond the worked example: what splits, what is unrated."""

import copy
import datetime

from oslotest import base

from scs_metering.rating import errors
from scs_metering.rating import invoices
from scs_metering.rating import lines
from scs_metering.rating import plans
from scs_metering.rating import pricelist
from scs_metering.rating import rate
from scs_metering.tests.unit.rating import scenario

UTC = datetime.timezone.utc
day = scenario.day


def amounts(invoice):
    return sorted((line['kind'], line['item'], line['plan'],
                   line['version'], line['amount']) for line in
                  invoice['lines'])


class RateTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.subscription = scenario.subscription()
        self.period = self.subscription.cycle.period(day(11))

    def rate(self, records, lists=None, plan_map=None, subscription=None,
             until=None):
        return rate.rate(
            subscription or self.subscription,
            scenario.plan_map() if plan_map is None else plan_map,
            scenario.price_lists() if lists is None else lists,
            self.period, records, until=until)

    def invoice(self, rating, billed=None, since=None):
        return invoices.build('i', self.subscription, rating, billed or {},
                              rating.until, since=since)

    def test_unrated_records_have_reasons(self):
        ok = scenario.records()[0]
        bad = [
            lines.Usage('u1', 'ip.floating', 's', 3600, day(11), day(12)),
            lines.Usage('u2', 'instance', 'B', 3600, day(11), day(12),
                        {'flavor_name': 'm1.small'}),
            lines.Usage('u3', 'instance', 's', -1, day(11), day(12),
                        {'flavor_name': 'm1.small'}),
            lines.Usage('u4', 'instance', 's', 1.5, day(11), day(12),
                        {'flavor_name': 'm1.small'}),
            lines.Usage('u5', 'instance', 's', 3600, day(1), day(2),
                        {'flavor_name': 'm1.small'}),
        ]
        rating = self.rate([ok] + bad)
        reasons = {u.usage_id: u.reason for u in rating.unrated}
        self.assertIn('no price of meter ip.floating', reasons['u1'])
        self.assertIn('price server-small: unit hour cannot be converted '
                      'from the meter\'s unit B', reasons['u2'])
        self.assertEqual('the quantity is negative', reasons['u3'])
        self.assertIn('must be a decimal string', reasons['u4'])
        self.assertIn('no plan of subscription sub-1 is in force',
                      reasons['u5'])
        self.assertEqual(['r01'], [r.usage_id for r in rating.rated])
        invoice = self.invoice(rating)
        self.assertEqual(5, sum(u['records'] for u in invoice['unrated']))

    def test_no_version_in_force(self):
        later = dict(scenario.PRICE_LIST_VERSION,
                     effective_from='2024-02-12T00:00:00Z')
        lists = {'public': pricelist.PriceList('public', 'EUR', (
            pricelist.parse_version(later),))}
        rating = self.rate(scenario.records()[:2], lists)
        self.assertEqual(['r01'], [u.usage_id for u in rating.unrated])
        self.assertIn('has no version in force', rating.unrated[0].reason)

    def test_caller_mistakes_raise(self):
        outside = lines.Usage('u', 'instance', 's', 1, day(1) -
                              datetime.timedelta(days=1), day(1))
        self.assertRaises(errors.RatingError, self.rate, [outside])
        self.assertRaises(errors.RatingError, self.rate, [], plan_map={})
        self.assertRaises(errors.RatingError, self.rate, [], lists={})
        ended = plans.parse_subscription(dict(
            scenario.SUBSCRIPTION, end='2024-01-31T00:00:00Z', plans=[
                {'plan': 'standard', 'from': '2024-01-01T00:00:00Z'}]))
        self.assertRaises(errors.RatingError, self.rate, [],
                          subscription=ended)

    def test_windows_after_until_are_deferred(self):
        rating = self.rate(scenario.records(), until=day(13))
        self.assertEqual(['r05', 'r06', 'r07', 'r10'],
                         sorted(rating.deferred))

    def test_price_version_mid_period_splits_lines(self):
        """Version 2 from 13 February: large servers' second tier 0.09.

        Tiers count across versions: r03-r04 (48 h) are version 1's,
        4.80; r05-r07 (63 h) version 2's from position 48 h: 52 h at
        0.10 + 11 h at 0.09 = 5.20 + 0.99 = 6.19.
        """
        second = copy.deepcopy(scenario.PRICE_LIST_VERSION)
        second['effective_from'] = '2024-02-13T00:00:00Z'
        second['prices'][1]['tiers'][1]['unit_price'] = '0.09'
        lists = scenario.price_lists(second)
        invoice = self.invoice(self.rate(scenario.records()[2:7], lists))
        large = [(line['version'], line['amount'], line['quantity'])
                 for line in invoice['lines'] if line['item'] ==
                 'server-large']
        self.assertEqual([(1, '4.80', '172800'), (2, '6.19', '226800')],
                         large)
        support = [(line['version'], line['amount']) for line in
                   invoice['lines'] if line['item'] == 'support']
        # The flat price too: 20.00 * 49 h / 696 h = 1.408045... and
        # 20.00 * 407 h / 696 h = 11.695402...
        self.assertEqual([(1, '1.41'), (2, '11.70')], support)

    def test_plan_change_splits_the_period(self):
        """A change to "premium" on 13 February 12:00 UTC.

        A record belongs to the segment of its window's start. Each
        segment has its own tier position: standard rates r03-r05 (72 h,
        7.20); premium starts again at 0 for r06-r07 (39 h, 3.90).
        Standard lasts 2 days 13 h = 61 h of the period's 696 h, premium
        the remaining 16 days 11 h = 395 h; fees and minimums prorate:
          base 10.00 * 61/696 = 0.876436... -> 0.88
          premium's base 30.00 * 395/696 = 17.025862... -> 17.03
          support 20.00 * 61/696 = 1.752873... -> 1.75
          and * 395/696 = 11.350574... -> 11.35
          volume minimum 15.00 * 61/696 = 1.314655... -> 1.31
          and * 395/696 = 8.512931... -> 8.51
        """
        premium = dict(scenario.PLAN, id='premium', allowances=[],
                       fees=[{'id': 'base', 'amount': '30.00'}])
        plan_map = dict(scenario.plan_map(),
                        premium=plans.parse_plan(premium))
        subscription = plans.parse_subscription(dict(
            scenario.SUBSCRIPTION, plans=scenario.SUBSCRIPTION['plans'] + [
                {'plan': 'premium', 'from': '2024-02-13T12:00:00Z'}]))
        rating = self.rate(scenario.records()[2:7], plan_map=plan_map,
                           subscription=subscription)
        invoice = self.invoice(rating)
        self.assertEqual([
            ('fee', 'base', 'premium', None, '17.03'),
            ('fee', 'base', 'standard', None, '0.88'),
            ('fee', 'support', 'premium', 1, '11.35'),
            ('fee', 'support', 'standard', 1, '1.75'),
            ('minimum', 'volume', 'premium', 1, '8.51'),
            ('minimum', 'volume', 'standard', 1, '1.31'),
            ('usage', 'server-large', 'premium', 1, '3.90'),
            ('usage', 'server-large', 'standard', 1, '7.20')],
            amounts(invoice))

    def test_volume_tiers_settle_with_a_credit(self):
        """Volume: [0, 100) h at 0.10, [100, inf) at 0.05.

        The interim to 15 February bills 96 h at 0.10 = 9.60; the month
        ends at 111 h, all at 0.05 = 5.55: the final line is -4.05.
        """
        doc = copy.deepcopy(scenario.PRICE_LIST_VERSION)
        doc['prices'][1].update(model='volume', tiers=[
            {'from': '0', 'to': '100', 'unit_price': '0.10'},
            {'from': '100', 'to': None, 'unit_price': '0.05'}])
        lists = {'public': pricelist.PriceList('public', 'EUR', (
            pricelist.parse_version(doc),))}
        records = scenario.records()[2:7]
        interim = invoices.finalize(self.invoice(
            self.rate(records, lists, until=day(15))), '1', day(15))
        final = self.invoice(self.rate(records, lists),
                             invoices.billed_state([interim], self.period),
                             since=day(15))
        self.assertEqual(['9.60'], [line['amount'] for line in
                                    interim['lines'] if line['item'] ==
                                    'server-large'])
        self.assertEqual([('-4.05', '54000')], [
            (line['amount'], line['quantity']) for line in final['lines']
            if line['item'] == 'server-large'])

    def test_group_by_splits_lines_not_tiers(self):
        """Graduated large servers grouped by state, 111 h in all.

        Tiers count the price's total: active r03-r05 (72 h) 7.20;
        stopped r06-r07 (39 h) from position 72 h: 28 h at 0.10 + 11 h
        at 0.08 = 2.80 + 0.88 = 3.68.
        """
        doc = copy.deepcopy(scenario.PRICE_LIST_VERSION)
        doc['prices'][1]['group_by'] = ['state']
        lists = {'public': pricelist.PriceList('public', 'EUR', (
            pricelist.parse_version(doc),))}
        records = [r.__class__(**dict(vars(r), attributes=dict(
            r.attributes, state='active' if r.id < 'r06' else 'stopped')))
            for r in scenario.records()[2:7]]
        invoice = self.invoice(self.rate(records, lists))
        self.assertEqual([({'state': 'active'}, '7.20'),
                          ({'state': 'stopped'}, '3.68')],
                         [(line['group'], line['amount'])
                          for line in invoice['lines']
                          if line['item'] == 'server-large'])

    def test_proration_is_exact_to_the_second(self):
        """A fee of 2,505,600.00 for February's 2,505,600 s: 1.00 a second.

        Starting one second after 11 February 00:00 CET leaves 1,641,599
        seconds: exactly 1,641,599.00.
        """
        plan = dict(scenario.PLAN, fees=[{'id': 'base',
                                          'amount': '2505600.00'}])
        subscription = plans.parse_subscription(dict(
            scenario.SUBSCRIPTION, plans=[
                {'plan': 'standard', 'from': '2024-02-10T23:00:01Z'}]))
        rating = self.rate([], plan_map={'standard': plans.parse_plan(plan)},
                           subscription=subscription)
        self.assertEqual([('1641599', '1641599.00')], [
            (line['quantity'], line['amount'])
            for line in self.invoice(rating)['lines']
            if line['item'] == 'base'])

    def test_a_plan_that_comes_back_keeps_its_segments_apart(self):
        """standard, premium from 13 February, standard again from 14.

        The two standard segments are rated apart: r03-r04 (48 h) and
        r06-r07 (39 h) each start at tier position 0, so 4.80 and 3.90;
        r05 falls in premium's day, 2.40.
        """
        premium = dict(scenario.PLAN, id='premium')
        plan_map = dict(scenario.plan_map(),
                        premium=plans.parse_plan(premium))
        subscription = plans.parse_subscription(dict(
            scenario.SUBSCRIPTION, plans=scenario.SUBSCRIPTION['plans'] + [
                {'plan': 'premium', 'from': '2024-02-13T00:00:00Z'},
                {'plan': 'standard', 'from': '2024-02-14T00:00:00Z'}]))
        invoice = self.invoice(self.rate(
            scenario.records()[2:7], plan_map=plan_map,
            subscription=subscription))
        self.assertEqual([
            ('standard', '2024-02-10T23:00:00Z', '4.80'),
            ('premium', '2024-02-13T00:00:00Z', '2.40'),
            ('standard', '2024-02-14T00:00:00Z', '3.90')],
            sorted([(line['plan'], line['segment'], line['amount'])
                    for line in invoice['lines']
                    if line['item'] == 'server-large'],
                   key=lambda line: line[1]))
        self.assertEqual(3, len([line for line in invoice['lines']
                                 if line['kind'] == 'minimum']))
