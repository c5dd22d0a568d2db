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
"""/v1/price-lists, /v1/plans and /v1/subscriptions: checks and answers."""

from scs_metering.tests.unit.api import billing
from scs_metering.tests.unit.rating import scenario

VERSIONS = '/v1/price-lists/public/versions'
FUTURE = '2099-01-01T00:00:00Z'


class PriceListTest(billing.BillingAPITestCase):

    def setUp(self):
        super().setUp()
        self.created = self.call('POST', '/v1/price-lists', {
            'id': 'public', 'currency': 'EUR',
            'description': 'Public prices'}, 201)

    def test_create_list_show(self):
        self.assertEqual('http://localhost/v1/price-lists/public',
                         self.created.headers['Location'])
        self.assertEqual(('public', 'EUR', []), (
            self.created.json['id'], self.created.json['currency'],
            self.created.json['versions']))
        self.assertEqual(['public'], [p['id'] for p in self.call(
            'GET', '/v1/price-lists', status=200).json['price_lists']])
        self.assertIn('exists already', self.error(
            'POST', '/v1/price-lists', {'id': 'public', 'currency': 'EUR'},
            409))
        self.assertEqual('Price list nope could not be found.', self.error(
            'GET', '/v1/price-lists/nope', status=404))

    def test_currency_is_iso_4217(self):
        self.assertIn("unknown currency 'XXY'", self.error(
            'POST', '/v1/price-lists', {'id': 'x', 'currency': 'XXY'}))
        self.assertIn('currency must match', self.error(
            'POST', '/v1/price-lists', {'id': 'x', 'currency': 'eur'}))

    def test_version_is_published_once_and_kept(self):
        made = self.call('POST', VERSIONS, billing.version(
            effective_from=FUTURE), 201).json
        self.assertEqual((1, FUTURE, False, None), (
            made['number'], made['effective_from'], made['forced'],
            made['force_reason']))
        self.assertEqual(5, len(made['prices']))
        self.assertEqual('0.0125', made['prices'][0]['unit_price'])
        self.assertEqual(made, self.call('GET', VERSIONS + '/1',
                                         status=200).json)
        self.assertEqual([1], [v['number'] for v in self.call(
            'GET', VERSIONS, status=200).json['versions']])
        self.assertIn('two versions take effect at', self.error(
            'POST', VERSIONS, billing.version(effective_from=FUTURE)))
        self.error('GET', VERSIONS + '/2', status=404)

    def test_back_dating_needs_force_and_a_reason_which_are_kept(self):
        self.assertIn('back-dating a version re-rates usage already '
                      'rated: set force and give a reason', self.error(
                          'POST', VERSIONS, billing.version()))
        self.assertIn('set force and give a reason', self.error(
            'POST', VERSIONS, billing.version(force=True)))
        made = self.call('POST', VERSIONS, billing.version(
            force=True, reason='ticket 42'), 201).json
        self.assertEqual((True, 'ticket 42'), (made['forced'],
                                               made['force_reason']))
        self.assertIn('force is for a version that takes effect in the '
                      'past', self.error('POST', VERSIONS, billing.version(
                          effective_from=FUTURE, force=True, reason='x')))

    def test_overlapping_prices_are_named(self):
        document = billing.version(effective_from=FUTURE)
        document['prices'][1]['match'] = {'flavor_name': ['m1.large',
                                                          'm1.small']}
        self.assertEqual(
            'Invalid request body: prices/1/match: price server-large and '
            'price server-small (prices/0) both match a record of meter '
            'instance with flavor_name=m1.small; make their matches '
            'disjoint on some attribute',
            self.error('POST', VERSIONS, document))

    def test_floats_are_refused_with_the_field(self):
        document = billing.version(effective_from=FUTURE)
        document['prices'][0]['unit_price'] = 0.0125
        self.assertEqual(
            'Invalid request body: prices.0.unit_price is the JSON number '
            '0.0125: give amounts and quantities as decimal strings, such '
            'as "0.10" (integers are accepted), since a number with a '
            'fraction may already be a binary float',
            self.error('POST', VERSIONS, document))
        document['prices'][0]['unit_price'] = 1
        self.call('POST', VERSIONS, document, 201)

    def test_every_model_is_checked_with_its_field(self):
        cases = [
            ({'model': 'graduated', 'tiers': [
                {'from': '0', 'to': '10', 'unit_price': '1'},
                {'from': '20', 'to': None, 'unit_price': '1'}]},
             'prices/0/tiers/1/from: a gap: expected 10, got 20'),
            ({'model': 'volume', 'tiers': [
                {'from': '0', 'to': '10', 'unit_price': '1'}]},
             'prices/0/tiers/0/to: the last tier must be unbounded'),
            ({'model': 'package', 'package_size': '0',
              'package_price': '5'},
             'prices/0/package_size: must be greater than 0'),
            ({'model': 'per_unit', 'unit_price': '-1'},
             'prices/0/unit_price: must be 0 or more'),
            ({'model': 'per_unit', 'unit_price': '1', 'free_units': 'x'},
             'prices/0/free_units: the value is not a decimal number'),
            ({'model': 'per_unit', 'unit_price': '1', 'unit': 'GiB'},
             'prices/0/unit: unit GiB cannot be converted from the '
             "meter's unit s"),
            ({'model': 'per_unit', 'unit_price': '1', 'meter': 'nope'},
             "prices/0/meter: unknown meter 'nope'"),
            ({'model': 'per_unit', 'unit_price': '1',
              'match': {'colour': 'red'}},
             'prices/0/match/colour: records of meter instance carry no '
             'attribute colour'),
            ({'model': 'script', 'unit_price': '1'},
             "prices/0/model: one of per_unit, graduated, volume, package, "
             "flat is required, not 'script'"),
            ({'model': 'per_unit', 'unit_prise': '1'},
             'prices/0/unit_prise: unknown field'),
        ]
        for changes, message in cases:
            price = {'id': 'p', 'meter': 'instance', 'unit': 'hour'}
            price.update(changes)
            self.assertIn(message, self.error('POST', VERSIONS, {
                'effective_from': FUTURE, 'prices': [price]}), changes)

    def test_only_admins_manage_prices(self):
        for method, path, body in (
                ('POST', '/v1/price-lists', {'id': 'x', 'currency': 'EUR'}),
                ('POST', VERSIONS, billing.version(effective_from=FUTURE)),
                ('GET', '/v1/price-lists', None),
                ('GET', '/v1/price-lists/public', None)):
            self.call(method, path, body, 403, billing.READER)


class PlanTest(billing.BillingAPITestCase):

    def setUp(self):
        super().setUp()
        self.call('POST', '/v1/price-lists', {'id': 'public',
                                              'currency': 'EUR'}, 201)
        self.call('POST', VERSIONS, billing.version(effective_from=FUTURE),
                  201)

    def test_create_show_delete(self):
        made = self.call('POST', '/v1/plans', scenario.PLAN, 201).json
        self.assertEqual([{'id': 'base', 'amount': '10.00',
                           'description': 'Platform fee'}], made['fees'])
        self.assertEqual(made, self.call('GET', '/v1/plans/standard',
                                         status=200).json)
        self.assertIn('exists already', self.error(
            'POST', '/v1/plans', scenario.PLAN, 409))
        self.call('DELETE', '/v1/plans/standard', status=204)
        self.call('GET', '/v1/plans/standard', status=404)

    def test_references_are_checked(self):
        self.assertEqual('Invalid request body: price_list: no price list '
                         'has id nope', self.error(
                             'POST', '/v1/plans', dict(scenario.PLAN,
                                                       price_list='nope')))
        self.assertIn('allowances/0/price: price list public has no usage '
                      'price support', self.error('POST', '/v1/plans', dict(
                          scenario.PLAN, allowances=[
                              {'price': 'support', 'free_units': '1'}])))
        self.assertIn('fees.0.amount is the JSON number 9.99', self.error(
            'POST', '/v1/plans', dict(scenario.PLAN, fees=[
                {'id': 'base', 'amount': 9.99}])))

    def test_a_plan_in_use_stays(self):
        self.call('POST', '/v1/plans', scenario.PLAN, 201)
        self.call('POST', '/v1/subscriptions', scenario.SUBSCRIPTION, 201)
        self.assertIn('subscription sub-1 uses plan standard', self.error(
            'DELETE', '/v1/plans/standard', status=409))


class SubscriptionTest(billing.BillingAPITestCase):

    def setUp(self):
        super().setUp()
        self.catalog_made = self.catalog()

    def test_created_as_given(self):
        made = self.catalog_made
        self.assertEqual(
            ('sub-1', 'p1', 'CRM-0042', 1, 'Europe/Berlin', None, 1),
            (made['id'], made['project_id'], made['customer_ref'],
             made['anchor_day'], made['timezone'], made['end'],
             made['revision']))
        self.assertIn('exists already', self.error(
            'POST', '/v1/subscriptions', scenario.SUBSCRIPTION, 409))

    def test_defaults_and_generated_id(self):
        made = self.call('POST', '/v1/subscriptions', {
            'domain_id': 'd1', 'anchor_day': 'month_end', 'plans': [
                {'plan': 'standard', 'from': '2026-01-01T00:00:00Z'}]},
            201).json
        self.assertEqual(36, len(made['id']))
        self.assertEqual(('d1', 'month_end', 'UTC'), (
            made['domain_id'], made['anchor_day'], made['timezone']))

    def test_checks(self):
        plans = [{'plan': 'standard', 'from': '2026-01-01T00:00:00Z'}]
        cases = [
            ({'project_id': 'p', 'plans': plans, 'timezone': 'Mars/Base'},
             "timezone: unknown time zone 'Mars/Base'"),
            ({'project_id': 'p', 'plans': plans, 'anchor_day': 29},
             'anchor_day'),
            ({'plans': plans},
             'project_id: give exactly one of project_id and domain_id'),
            ({'project_id': 'p', 'domain_id': 'd', 'plans': plans},
             'give exactly one of project_id and domain_id'),
            ({'project_id': 'p', 'plans': [{'plan': 'nope',
                                            'from': '2026-01-01'}]},
             'plans/0/plan: no plan has id nope'),
            ({'project_id': 'p', 'plans': plans,
              'end': '2025-01-01T00:00:00Z'}, 'end: must be after'),
            ({'project_id': 'p', 'plans': [{'plan': 'standard',
                                            'from': 'soon'}]},
             'plans/0/from: not a time'),
        ]
        for body, message in cases:
            self.assertIn(message, self.error('POST', '/v1/subscriptions',
                                              body), body)

    def test_only_the_future_changes(self):
        path = '/v1/subscriptions/sub-1'
        future = {'plan': 'standard', 'from': FUTURE}
        changed = self.call('PATCH', path, {
            'plans': self.catalog_made['plans'] + [future],
            'customer_ref': 'CRM-0043', 'end': '2100-01-01T00:00:00Z'},
            200).json
        self.assertEqual((2, 'CRM-0043', '2100-01-01T00:00:00Z'), (
            changed['revision'], changed['customer_ref'], changed['end']))
        self.assertIn('plans: the entries before now', self.error(
            'PATCH', path, {'plans': [{'plan': 'standard',
                                       'from': '2024-03-01T00:00:00Z'}]}))
        self.assertIn('end: a subscription ends now or later', self.error(
            'PATCH', path, {'end': '2025-01-01T00:00:00Z'}))
        self.assertIn('timezone is not a known field', self.error(
            'PATCH', path, {'timezone': 'UTC'}))

    def test_readers_see_their_own(self):
        self.assertEqual(['sub-1'], [s['id'] for s in self.call(
            'GET', '/v1/subscriptions', status=200,
            headers=billing.READER).json['subscriptions']])
        self.call('GET', '/v1/subscriptions/sub-1', status=200,
                  headers=billing.READER)
        self.assertEqual([], self.call(
            'GET', '/v1/subscriptions', status=200,
            headers=billing.OTHER_READER).json['subscriptions'])
        self.call('GET', '/v1/subscriptions/sub-1', status=403,
                  headers=billing.OTHER_READER)
        # Whether an id exists is nobody else's business.
        self.call('GET', '/v1/subscriptions/nope', status=403,
                  headers=billing.OTHER_READER)
        self.call('GET', '/v1/subscriptions/nope', status=404)
        self.call('GET', '/v1/subscriptions?project_id=p1', status=403,
                  headers=billing.OTHER_READER)
        self.call('GET', '/v1/subscriptions?all_projects=true', status=403,
                  headers=billing.READER)
        self.call('PATCH', '/v1/subscriptions/sub-1', {'customer_ref': 'x'},
                  status=403, headers=billing.READER)
        self.assertEqual(['sub-1'], [s['id'] for s in self.call(
            'GET', '/v1/subscriptions?all_projects=true',
            status=200).json['subscriptions']])
