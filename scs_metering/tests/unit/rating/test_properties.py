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
"""Properties of rating that must hold for any usage and any prices.

Examples are few and derandomized, so the suite takes seconds and a CI
failure replays on any machine; there is no deadline, because the
machine is shared and a slow example is not a wrong one.
"""

import calendar
import datetime
import decimal
import fractions

import hypothesis
from hypothesis import strategies as st
from oslotest import base

from scs_metering.rating import charges
from scs_metering.rating import currency
from scs_metering.rating import invoices
from scs_metering.rating import lines
from scs_metering.rating import money
from scs_metering.rating import periods
from scs_metering.rating import plans
from scs_metering.rating import pricelist
from scs_metering.rating import rate

D = decimal.Decimal
UTC = datetime.timezone.utc
SETTINGS = hypothesis.settings(max_examples=40, deadline=None,
                               derandomize=True, database=None)
START = datetime.datetime(2024, 1, 31, 23, tzinfo=UTC)
PERIOD = periods.BillingCycle(1, 'Europe/Berlin').period(START)
HOURS = PERIOD.seconds // 3600

decimals = st.integers(0, 10 ** 8).map(lambda n: D(n).scaleb(-4))
prices = st.integers(0, 10 ** 6).map(lambda n: D(n).scaleb(-5))


@st.composite
def tiers(draw):
    bounds = sorted(draw(st.sets(st.integers(1, 2000), max_size=4)))
    starts = [0] + bounds
    ends = bounds + [None]
    return [{'from': str(s), 'to': None if e is None else str(e),
             'unit_price': str(draw(prices))} for s, e in zip(starts, ends)]


@st.composite
def price_documents(draw):
    model = draw(st.sampled_from(charges.USAGE_MODELS))
    doc = {'id': 'p', 'meter': 'instance', 'unit': 'hour', 'model': model}
    if model == charges.PER_UNIT:
        doc['unit_price'] = str(draw(prices))
    elif model == charges.PACKAGE:
        doc['package_size'] = str(draw(st.integers(1, 50)))
        doc['package_price'] = str(draw(prices))
    else:
        doc['tiers'] = draw(tiers())
    if draw(st.booleans()):
        doc['free_units'] = str(draw(st.integers(0, 100)))
    if draw(st.booleans()):
        doc['minimum_charge'] = str(draw(prices))
    return doc


@st.composite
def scenarios(draw):
    """(price list, plan, subscription, records) over one period."""
    code = draw(st.sampled_from(['EUR', 'JPY', 'BHD']))
    version = pricelist.parse_version({
        'effective_from': '2024-01-01T00:00:00Z',
        'prices': [draw(price_documents()),
                   {'id': 'fee', 'model': 'flat',
                    'amount': str(draw(prices))}]})
    start = START + datetime.timedelta(
        hours=draw(st.integers(0, HOURS - 1)) * draw(st.integers(0, 1)))
    subscription = plans.parse_subscription({
        'id': 's', 'project_id': 'p', 'anchor_day': 1,
        'timezone': 'Europe/Berlin',
        'plans': [{'plan': 'plan', 'from': start.isoformat()}]})
    hours = draw(st.lists(st.integers(0, HOURS - 1), max_size=30))
    records = [lines.Usage(
        id='u%03d' % index, meter='instance', unit='s',
        quantity=draw(st.integers(0, 3600)),
        window_start=START + datetime.timedelta(hours=hour),
        window_end=START + datetime.timedelta(hours=hour + 1),
        attributes={}) for index, hour in enumerate(hours)]
    return ({'list': pricelist.PriceList('list', code, (version,))},
            {'plan': plans.parse_plan({'id': 'plan', 'price_list': 'list'})},
            subscription, records)


def rate_all(scenario, until=None, records=None):
    lists, plan_map, subscription, usage = scenario
    return rate.rate(subscription, plan_map, lists, PERIOD,
                     usage if records is None else records, until=until)


def build(scenario, rating, billed=None, since=None):
    return invoices.build('i', scenario[2], rating, billed or {},
                          rating.until, since=since)


def no_floats(value):
    if isinstance(value, dict):
        return all(no_floats(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(no_floats(v) for v in value)
    return value is None or isinstance(value, (str, int))


class PropertiesTest(base.BaseTestCase):

    @SETTINGS
    @hypothesis.given(scenarios(), st.data())
    def test_splitting_windows_keeps_totals(self, scenario, data):
        """The same usage cut into more, smaller windows costs the same."""
        split = []
        for record in scenario[3]:
            cut = data.draw(st.integers(0, int(record.quantity)))
            for index, (quantity, minutes) in enumerate(
                    ((cut, 0), (record.quantity - cut, 30))):
                start = record.window_start + datetime.timedelta(
                    minutes=minutes)
                split.append(lines.Usage(
                    id='%s-%d' % (record.id, index), meter=record.meter,
                    unit=record.unit, quantity=quantity,
                    window_start=start,
                    window_end=start + datetime.timedelta(minutes=30),
                    attributes={}))
        whole = build(scenario, rate_all(scenario))
        cut = build(scenario, rate_all(scenario, records=split))
        self.assertEqual(whole['total'], cut['total'])
        self.assertEqual(whole['lines'], cut['lines'])

    @SETTINGS
    @hypothesis.given(tiers(), decimals, decimals)
    def test_graduated_never_decreases_and_is_continuous(self, spec, x, y):
        model = charges.Graduated.parse({'tiers': spec}, 'p')
        amount = model.bind(1)
        low, high = min(x, y), max(x, y)
        epsilon = D('1E-12')
        steepest = max(t.unit_price for t in model.tiers)
        with money.exact():
            self.assertLessEqual(amount(low), amount(high))
            for tier in model.tiers[1:]:
                bound = tier.start
                jump = amount(bound) - amount(bound - epsilon)
                self.assertGreaterEqual(jump, 0)
                self.assertLessEqual(jump, epsilon * steepest)

    @SETTINGS
    @hypothesis.given(scenarios(), st.lists(st.integers(1, HOURS - 1),
                                            max_size=3, unique=True))
    def test_interims_and_final_make_one_invoice(self, scenario, cuts):
        single = build(scenario, rate_all(scenario))
        issued, since = [], PERIOD.start
        for hour in sorted(cuts) + [None]:
            until = (None if hour is None
                     else PERIOD.start + datetime.timedelta(hours=hour))
            rating = rate_all(scenario, until=until)
            billed = invoices.billed_state(issued, PERIOD)
            invoice = invoices.finalize(
                build(scenario, rating, billed, since), 'n', rating.until)
            issued.append(invoice)
            since = rating.until
        with money.exact():
            self.assertEqual(D(single['total']),
                             sum(D(i['total']) for i in issued))
        for key, billed in invoices.billed_state(issued, PERIOD).items():
            line = [line for line in single['lines']
                    if invoices.key_text(line) == key]
            self.assertEqual(line[0]['amount'] if line else '0',
                             money.text(billed.amount))

    @SETTINGS
    @hypothesis.given(scenarios(),
                      st.sampled_from(sorted(money.ROUNDING_MODES)))
    def test_total_is_the_sum_of_lines_rounded_once(self, scenario, mode):
        lists, plan_map, subscription, usage = scenario
        rating = rate.rate(subscription, plan_map, lists, PERIOD, usage,
                           rounding=mode)
        invoice = build(scenario, rating)
        self.assertTrue(no_floats(invoice))
        unit = fractions.Fraction(1, 10 ** currency.minor_units(
            rating.currency))
        worst = unit / 2 if mode.startswith('half') else unit
        by_key = {a.key.text: a for a in rating.accruals}
        total = 0
        for line in invoice['lines']:
            accrual = by_key[invoices.key_text(line)]
            exact = fractions.Fraction(accrual.numerator) / accrual.denominator
            amount = fractions.Fraction(line['amount'])
            self.assertLessEqual(abs(amount - exact), worst)
            self.assertEqual(amount, amount // unit * unit)
            total += amount
        self.assertEqual(total, fractions.Fraction(invoice['total']))
        # The records' shares add up to their lines exactly.
        shares = {}
        for rated in rating.rated:
            shares[rated.key.text] = shares.get(rated.key.text, 0) + (
                fractions.Fraction(rated.amount))
        for line in invoice['lines']:
            if line['kind'] == lines.USAGE:
                self.assertEqual(fractions.Fraction(line['amount']),
                                 shares[invoices.key_text(line)])

    @SETTINGS
    @hypothesis.given(st.integers(-10 ** 30, 10 ** 30),
                      st.integers(1, 10 ** 15), st.integers(-4, 0),
                      st.sampled_from(sorted(money.ROUNDING_MODES)))
    def test_round_ratio_is_exact(self, numerator, denominator, exponent,
                                  mode):
        rounded = money.round_ratio(D(numerator), denominator, exponent,
                                    mode)
        exact = fractions.Fraction(numerator, denominator)
        self.assertEqual(exponent, rounded.as_tuple().exponent)
        error = abs(fractions.Fraction(rounded) - exact)
        step = fractions.Fraction(10) ** exponent
        self.assertLessEqual(error, step / 2 if mode.startswith('half')
                             else step)
        if denominator == 1 or (numerator * 10 ** -exponent) % (
                denominator) == 0:
            context = decimal.Context(prec=100,
                                      rounding=money.ROUNDING_MODES[mode])
            self.assertEqual(
                context.divide(D(numerator), D(denominator)).quantize(
                    D(1).scaleb(exponent), context=context), rounded)

    @SETTINGS
    @hypothesis.given(
        st.sampled_from(list(range(1, 29)) + [periods.MONTH_END]),
        st.sampled_from(['UTC', 'Europe/Berlin', 'America/Sao_Paulo',
                         'Australia/Lord_Howe', 'Pacific/Apia',
                         'America/St_Johns']),
        st.datetimes(min_value=datetime.datetime(1971, 1, 1),
                     max_value=datetime.datetime(2090, 1, 1)))
    def test_periods_tile(self, anchor, zone, when):
        cycle = periods.BillingCycle(anchor, zone)
        instant = when.replace(microsecond=0, tzinfo=UTC)
        period = cycle.period(instant)
        self.assertTrue(period.contains(instant))
        for _index in range(14):
            following = cycle.next(period)
            self.assertEqual(period.end, following.start)
            self.assertTrue(26 * 86400 < period.seconds < 33 * 86400)
            self.assertEqual(period, cycle.period(period.end -
                                                  datetime.timedelta(
                                                      seconds=1)))
            local = following.start.astimezone(cycle._zone)
            before = (following.start - datetime.timedelta(
                seconds=1)).astimezone(cycle._zone)
            self.assertNotEqual(local.date(), before.date())
            last = calendar.monthrange(local.year, local.month)[1]
            self.assertEqual(last if anchor == periods.MONTH_END else anchor,
                             local.day)
            period = following
