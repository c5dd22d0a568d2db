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
"""Price list versions, plans and subscriptions: what publishing refuses."""

import copy
import datetime
import types

from oslotest import base
import testscenarios

from scs_metering.definitions import loader
from scs_metering.rating import errors
from scs_metering.rating import plans
from scs_metering.rating import pricelist
from scs_metering.tests.unit.rating import scenario

UTC = datetime.timezone.utc
METERS = {
    'instance': types.SimpleNamespace(unit='s',
                                      group_by=('flavor_name', 'state')),
    'volume.size': types.SimpleNamespace(unit='GiB*s',
                                         group_by=('volume_type',)),
}


def version(*prices):
    return {'effective_from': '2025-01-01T00:00:00Z', 'prices': list(prices)}


def price(price_id='p', match=None, **fields):
    doc = {'id': price_id, 'meter': 'instance', 'unit': 'hour',
           'model': 'per_unit', 'unit_price': '1'}
    if match is not None:
        doc['match'] = match
    doc.update(fields)
    # unit_price=None: a model without a unit price.
    return {name: value for name, value in doc.items() if value is not None}


def tiers(*bounds):
    return [{'from': start, 'to': end, 'unit_price': '1'}
            for start, end in bounds]


class InvalidVersionTest(testscenarios.WithScenarios, base.BaseTestCase):
    """Each bad document is refused with the path of the bad field."""

    scenarios = [
        ('unknown field', dict(
            doc=version(price(unit_prise='1')), path='prices/0/unit_prise')),
        ('float amount', dict(
            doc=version(price(unit_price=1.5)), path='prices/0/unit_price')),
        ('negative amount', dict(
            doc=version(price(unit_price='-1')), path='prices/0/unit_price')),
        ('too many digits', dict(
            doc=version(price(unit_price='0.' + '1' * 30)),
            path='prices/0/unit_price')),
        ('not a number', dict(
            doc=version(price(unit_price='NaN')),
            path='prices/0/unit_price')),
        ('unknown unit', dict(
            doc=version(price(unit='hours')), path='prices/0/unit')),
        ('unknown model', dict(
            doc=version(price(model='linear')), path='prices/0/model')),
        ('tier gap', dict(
            doc=version(price(model='graduated', unit_price=None,
                              tiers=tiers(('0', '10'), ('11', None)))),
            path='prices/0/tiers/1/from')),
        ('tier overlap', dict(
            doc=version(price(model='volume', unit_price=None,
                              tiers=tiers(('0', '10'), ('9', None)))),
            path='prices/0/tiers/1/from')),
        ('tiers unsorted', dict(
            doc=version(price(model='graduated', unit_price=None,
                              tiers=tiers(('0', '10'), ('20', '30'),
                                          ('10', None)))),
            path='prices/0/tiers/1/from')),
        ('first tier not at 0', dict(
            doc=version(price(model='graduated', unit_price=None,
                              tiers=tiers(('5', None)))),
            path='prices/0/tiers/0/from')),
        ('last tier bounded', dict(
            doc=version(price(model='graduated', unit_price=None,
                              tiers=tiers(('0', '10')))),
            path='prices/0/tiers/0/to')),
        ('empty tier', dict(
            doc=version(price(model='graduated', unit_price=None,
                              tiers=tiers(('0', '0'), ('0', None)))),
            path='prices/0/tiers/0/to')),
        ('package of 0', dict(
            doc=version(price(model='package', unit_price=None,
                              package_size='0', package_price='1')),
            path='prices/0/package_size')),
        ('flat with a meter', dict(
            doc=version({'id': 'f', 'model': 'flat', 'amount': '1',
                         'meter': 'instance'}), path='prices/0/meter')),
        ('duplicate id', dict(
            doc=version(price(match={'state': 'a'}),
                        price(match={'state': 'b'})), path='prices/1/id')),
        ('empty match list', dict(
            doc=version(price(match={'state': []})),
            path='prices/0/match/state')),
        ('match on a float', dict(
            doc=version(price(match={'state': [1.5]})),
            path='prices/0/match/state/0')),
        ('match operator', dict(
            doc=version(price(match={'state': {'regex': '.*'}})),
            path='prices/0/match/state')),
        ('no prices', dict(doc=version(), path='prices')),
        ('bad time', dict(doc={'effective_from': 'soon', 'prices': [
            price()]}, path='effective_from')),
    ]

    def test_refused(self):
        error = self.assertRaises(errors.DocumentError,
                                  pricelist.parse_version, self.doc)
        self.assertEqual(self.path, error.path)


class OverlapTest(testscenarios.WithScenarios, base.BaseTestCase):
    """When two prices of one meter can match one record, exactly."""

    scenarios = [
        ('no matches', dict(a=None, b=None, overlap=True)),
        ('catch-all and specific', dict(
            a=None, b={'flavor_name': 'm1.small'}, overlap=True)),
        ('disjoint values', dict(
            a={'flavor_name': ['m1.small', 'm1.tiny']},
            b={'flavor_name': 'm1.large'}, overlap=False)),
        ('shared value', dict(
            a={'flavor_name': ['m1.small', 'm1.tiny']},
            b={'flavor_name': ['m1.tiny']}, overlap=True)),
        ('integer and string are one value', dict(
            a={'flavor_name': 2}, b={'flavor_name': '2'}, overlap=True)),
        ('different attributes', dict(
            a={'flavor_name': 'm1.small'}, b={'state': 'active'},
            overlap=True)),
        ('disjoint on one of two attributes', dict(
            a={'flavor_name': 'm1.small', 'state': 'active'},
            b={'flavor_name': 'm1.small', 'state': 'stopped'},
            overlap=False)),
        ('default by exclusion', dict(
            a={'flavor_name': {'not_in': ['m1.small', 'm1.tiny']}},
            b={'flavor_name': ['m1.small', 'm1.tiny']}, overlap=False)),
        ('exclusion that misses one', dict(
            a={'flavor_name': {'not_in': ['m1.small']}},
            b={'flavor_name': ['m1.small', 'm1.tiny']}, overlap=True)),
        ('two exclusions', dict(
            a={'flavor_name': {'not_in': ['a']}},
            b={'flavor_name': {'not_in': ['b']}}, overlap=True)),
        ('null and a value', dict(
            a={'flavor_name': None}, b={'flavor_name': 'x'}, overlap=False)),
    ]

    def test_overlap(self):
        doc = version(price('a', self.a), price('b', self.b))
        if self.overlap:
            error = self.assertRaises(errors.PriceOverlap,
                                      pricelist.parse_version, doc)
            self.assertEqual('prices/1/match', error.path)
            self.assertIn('price b and price a', str(error))
        else:
            pricelist.parse_version(doc)

    def test_other_meters_never_overlap(self):
        pricelist.parse_version(version(
            price('a', self.a),
            price('b', self.b, meter='volume.size', unit='GiB*hour')))


class VersionTest(base.BaseTestCase):

    def test_round_trip(self):
        parsed = pricelist.parse_version(scenario.PRICE_LIST_VERSION)
        again = pricelist.parse_version(parsed.document())
        self.assertEqual(parsed, again)

    def test_the_shipped_meters(self):
        """The worked example's prices fit the meters scs-metering ships."""
        meters = loader.load_files(loader.shipped_files()).meters
        parsed = pricelist.parse_version(scenario.PRICE_LIST_VERSION, meters)
        self.assertEqual(5, len(parsed.prices))
        error = self.assertRaises(
            errors.DocumentError, pricelist.parse_version,
            version(price(meter='volume.size', unit='hour')), meters)
        self.assertEqual('prices/0/unit', error.path)

    def test_every_shipped_meter_can_be_priced(self):
        # RGW's requests and objects were units rating did not know.
        for name, meter in loader.load_files(
                loader.shipped_files()).meters.items():
            pricelist.parse_version(version(price(
                meter=name, unit=meter.unit, match={}, group_by=[])),
                {name: meter})

    def test_meters_checked_when_known(self):
        for doc, path in [
                (price(meter='instances'), 'prices/0/meter'),
                (price(unit='GiB'), 'prices/0/unit'),
                (price(match={'region': 'one'}), 'prices/0/match/region'),
                (price(group_by=['project']), 'prices/0/group_by/project')]:
            error = self.assertRaises(errors.DocumentError,
                                      pricelist.parse_version, version(doc),
                                      METERS)
            self.assertEqual(path, error.path)
        pricelist.parse_version(version(price(match={'state': 'active'})),
                                METERS)

    def test_price_list(self):
        first = pricelist.parse_version(version(price()))
        later = copy.deepcopy(version(price(unit_price='2')))
        later['effective_from'] = '2025-02-01T00:00:00Z'
        second = pricelist.parse_version(later)
        prices = pricelist.PriceList('l', 'EUR', (second, first))
        self.assertEqual((first, second), prices.versions)
        self.assertIsNone(prices.version_at(
            datetime.datetime(2024, 12, 31, tzinfo=UTC)))
        self.assertIs(second, prices.version_at(
            datetime.datetime(2025, 2, 1, tzinfo=UTC)))
        self.assertRaises(errors.DocumentError, pricelist.PriceList, 'l',
                          'EURO', (first,))
        self.assertRaises(errors.DocumentError, pricelist.PriceList, 'l',
                          'EUR', (first, first))
        moved = copy.deepcopy(later)
        moved['prices'][0]['unit'] = 'day'
        error = self.assertRaises(
            errors.DocumentError, pricelist.PriceList, 'l', 'EUR',
            (first, pricelist.parse_version(moved)))
        self.assertIn('give the new one a new id', str(error))

    def test_back_dating_needs_force_and_reason(self):
        now = datetime.datetime(2025, 6, 1, tzinfo=UTC)
        past = datetime.datetime(2025, 5, 1, tzinfo=UTC)
        pricelist.check_effective_from(now, now)
        for force, reason in ((False, 'late'), (True, None), (True, ' ')):
            self.assertRaises(errors.DocumentError,
                              pricelist.check_effective_from, past, now,
                              force, reason)
        pricelist.check_effective_from(past, now, True, 'typo in May')


class PlanTest(base.BaseTestCase):

    def test_plan(self):
        plan = plans.parse_plan(scenario.PLAN)
        self.assertEqual('public', plan.price_list)
        self.assertEqual(plan, plans.parse_plan(plan.document()))
        for doc, path in [
                (dict(scenario.PLAN, price_list=None), 'price_list'),
                (dict(scenario.PLAN, fees=[{'id': 'a', 'amount': '1'},
                                           {'id': 'a', 'amount': '2'}]),
                 'fees/1'),
                (dict(scenario.PLAN, allowances=[{'price': 'x'}]),
                 'allowances/0/free_units'),
                (dict(scenario.PLAN, extra=1), 'extra')]:
            error = self.assertRaises(errors.DocumentError,
                                      plans.parse_plan, doc)
            self.assertEqual(path, error.path)

    def test_subscription(self):
        sub = plans.parse_subscription(scenario.SUBSCRIPTION)
        self.assertEqual(('project_id', 'p1'), sub.scope)
        self.assertEqual(sub, plans.parse_subscription(sub.document()))
        base_doc = scenario.SUBSCRIPTION
        for doc, path in [
                (dict(base_doc, domain_id='d'), 'project_id'),
                (dict(base_doc, anchor_day=29), 'anchor_day'),
                (dict(base_doc, anchor_day='1'), 'anchor_day'),
                (dict(base_doc, timezone='Mars/Olympus'), 'timezone'),
                (dict(base_doc, plans=[]), 'plans'),
                (dict(base_doc, plans=[
                    {'plan': 'a', 'from': '2025-02-01T00:00:00Z'},
                    {'plan': 'b', 'from': '2025-01-01T00:00:00Z'}]),
                 'plans/1/from'),
                (dict(base_doc, end='2024-01-01T00:00:00Z'), 'end')]:
            error = self.assertRaises(errors.DocumentError,
                                      plans.parse_subscription, doc)
            self.assertEqual(path, error.path)
        self.assertEqual('month_end', plans.parse_subscription(
            dict(base_doc, anchor_day=31)).cycle.anchor)

    def test_segments_split_at_plan_changes(self):
        sub = plans.parse_subscription(dict(
            scenario.SUBSCRIPTION, end='2024-02-20T12:00:00Z', plans=[
                {'plan': 'a', 'from': '2024-01-15T00:00:00Z'},
                {'plan': 'b', 'from': '2024-02-15T06:30:01Z'}]))
        period = sub.cycle.period(datetime.datetime(2024, 2, 10,
                                                    tzinfo=UTC))
        self.assertEqual(
            [('a', '2024-01-31T23:00:00+00:00', '2024-02-15T06:30:01+00:00'),
             ('b', '2024-02-15T06:30:01+00:00', '2024-02-20T12:00:00+00:00')],
            [(s.plan, s.start.isoformat(), s.end.isoformat())
             for s in sub.segments(period)])
