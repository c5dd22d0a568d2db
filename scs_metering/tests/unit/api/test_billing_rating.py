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
"""/v1/quote and /v1/rated-usage on the guide's worked example.

Every figure is worked out by hand in doc/source/admin/billing.rst ("A
worked example") and in tests/unit/rating/test_golden.py.
"""

from scs_metering.billing import biller
from scs_metering.common import timeutils
from scs_metering.publisher import filters
from scs_metering.rating import rate
from scs_metering.tests.unit.api import billing
from scs_metering.tests.unit.rating import scenario

FEBRUARY = 'start=2024-02-01T00:00:00Z&end=2024-03-01T00:00:00Z'


def quote_usage():
    """The example's records as a quote's usage items."""
    return [{'id': r.id, 'meter': r.meter, 'unit': r.unit,
             'quantity': str(r.quantity), 'attributes': r.attributes,
             'start': timeutils.isoformat(r.window_start),
             'end': timeutils.isoformat(r.window_end)}
            for r in scenario.records()]


QUOTE = {'plan': 'standard', 'start': '2024-02-10T23:00:00Z',
         'anchor_day': 1, 'timezone': 'Europe/Berlin'}


class QuoteTest(billing.BillingAPITestCase):

    def setUp(self):
        super().setUp()
        self.catalog()

    def test_the_worked_example(self):
        quote = self.call('POST', '/v1/quote', dict(
            QUOTE, usage=quote_usage()), 200).json
        # 0.15 + 10.88 + 0.19 + 9.64 + 10.00 + 6.55 + 13.10
        self.assertEqual('50.51', quote['total'])
        self.assertEqual(
            [('egress', 'usage', '10.00'),
             ('server-large', 'usage', '10.88'),
             ('server-small', 'usage', '0.15'), ('volume', 'usage', '0.19'),
             ('volume', 'minimum', '9.64'), ('base', 'fee', '6.55'),
             ('support', 'fee', '13.10')],
            [(line['item'], line['kind'], line['amount'])
             for line in quote['lines']])
        self.assertEqual(('EUR', 'half_even', '2024-01-31T23:00:00Z',
                          '2024-02-29T23:00:00Z'), (
            quote['currency'], quote['rounding'],
            quote['billing_period_start'], quote['billing_period_end']))
        self.assertEqual([{'meter': 'instance', 'reason': (
            'no price of meter instance in price list public version 1 '
            'matches {"flavor_name":"m1.xlarge"}'), 'records': 1,
            'quantity': '3600'}], quote['unrated'])
        shares = {r['usage_id']: r['amount'] for r in quote['rated']}
        # 24 free hours, then 12 x 0.0125.
        self.assertEqual(('0.00', '0.15'), (shares['r01'], shares['r02']))
        self.assertNotIn('id', quote)
        self.assertEqual([], self.connection.rated_lines())

    def test_checks_name_the_field(self):
        cases = [
            ({'usage': [{'meter': 'nope', 'quantity': '1'}]},
             'usage/0/meter: unknown meter nope'),
            ({'usage': [{'meter': 'instance', 'quantity': 1.5}]},
             'usage.0.quantity is the JSON number 1.5'),
            ({'usage': [{'meter': 'instance', 'quantity': '-1'}]},
             'usage/0/quantity: must be 0 or more'),
            ({'usage': [{'meter': 'instance', 'quantity': '1',
                         'unit': 'GiB'}]}, 'usage/0/unit: unit GiB cannot'),
            ({'usage': [{'meter': 'instance', 'quantity': '1',
                         'start': '2024-03-05T00:00:00Z'}]},
             'usage/0/start: must lie in the quoted period'),
            ({'usage': [{'meter': 'instance', 'quantity': '1',
                         'start': 'noon'}]}, 'usage/0/start: not a time'),
            ({'plan': 'nope', 'usage': []}, 'plan: no plan has id nope'),
            ({'timezone': 'Mars/Base', 'usage': []},
             "timezone: unknown time zone 'Mars/Base'"),
        ]
        for changes, message in cases:
            self.assertIn(message, self.error('POST', '/v1/quote', dict(
                QUOTE, **changes)), changes)

    def test_readers_may_not_read_prices(self):
        self.call('POST', '/v1/quote', dict(QUOTE, usage=[]), 403,
                  billing.READER)


class RatedUsageTest(billing.BillingAPITestCase):

    def setUp(self):
        super().setUp()
        self.catalog()
        rating = rate.rate(scenario.subscription(), scenario.plan_map(),
                           scenario.price_lists(), self.period(),
                           scenario.records())
        self.connection.store_rated(
            'sub-1', self.period().start,
            biller.stored_lines(rating, self.period()),
            timeutils.utcnow(), filters.matching_sinks)

    def period(self):
        return scenario.subscription().cycle.period(scenario.day(11))

    def test_by_price(self):
        found = self.call('GET', '/v1/rated-usage?project_id=p1&'
                          'group_by=price&' + FEBRUARY, status=200).json
        self.assertEqual(
            [('bandwidth', 'egress', '161061273600', '150', '10.00', 1),
             ('instance', 'server-large', '399600', '111', '10.88', 5),
             ('instance', 'server-small', '129600', '36', '0.15', 2),
             ('volume.size', 'volume', '864000', '240', '0.19', 1)],
            [(g['meter'], g['group']['price'], g['quantity'],
              g['pricing_quantity'], g['amount'], g['lines'])
             for g in found['rated_usage']])
        # Usage only: fees and minimum top-ups are lines of invoices.
        self.assertEqual([{'currency': 'EUR', 'amount': '21.22'}],
                         found['totals'])

    def test_readers_see_their_own(self):
        own = self.call('GET', '/v1/rated-usage?' + FEBRUARY, status=200,
                        headers=billing.READER).json
        self.assertEqual(('p1', '21.22'), (own['project_id'],
                                           own['totals'][0]['amount']))
        other = self.call('GET', '/v1/rated-usage?' + FEBRUARY, status=200,
                          headers=billing.OTHER_READER).json
        self.assertEqual([], other['rated_usage'])
        self.call('GET', '/v1/rated-usage?project_id=p1', status=403,
                  headers=billing.OTHER_READER)
        self.call('GET', '/v1/rated-usage?all_projects=true', status=403,
                  headers=billing.READER)
        self.assertEqual(
            'Invalid query parameter group_by: flavor is not a key rated '
            'usage is summed by; known keys: subscription_id, project_id, '
            'price, line, resource_id, period',
            self.error('GET', '/v1/rated-usage?group_by=flavor'))
