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
"""The billing API behind the real Keystone: who may call what, and the
worked example on PostgreSQL and MariaDB.

The callers are those of test_rbac. A project's readers see their own
subscriptions and rated usage; prices, plans and subscriptions are
managed by admins and read by system readers.
"""

import dataclasses
import itertools
import uuid

from scs_metering.billing import biller
from scs_metering.common import timeutils
from scs_metering.publisher import filters
from scs_metering.rating import rate
from scs_metering.tests.functional.api import base
from scs_metering.tests.functional.api import test_rbac as rbac
from scs_metering.tests.unit.api import test_billing_rating
from scs_metering.tests.unit.rating import scenario

FUTURE = itertools.count(2100)
FEBRUARY = 'start=2024-02-01T00:00:00Z&end=2024-03-01T00:00:00Z'
QUOTE = dict(test_billing_rating.QUOTE, usage=[])
# No project for a system-scoped token: it must name one.
OWN = rbac.OWN_PROJECT


def endpoints(alpha):
    """(method, path, request arguments, admin status, who may call)."""
    sub = '/v1/subscriptions/sub-alpha'
    return [
        ('GET', '/v1/price-lists', {}, 200, rbac.ADMIN_READ),
        ('POST', '/v1/price-lists', {'json': 'new-list'}, 201,
         rbac.ADMIN_ONLY),
        ('GET', '/v1/price-lists/public', {}, 200, rbac.ADMIN_READ),
        ('GET', '/v1/price-lists/public/versions', {}, 200,
         rbac.ADMIN_READ),
        ('POST', '/v1/price-lists/public/versions', {'json': 'new-version'},
         201, rbac.ADMIN_ONLY),
        ('GET', '/v1/price-lists/public/versions/1', {}, 200,
         rbac.ADMIN_READ),
        ('GET', '/v1/plans', {}, 200, rbac.ADMIN_READ),
        ('POST', '/v1/plans', {'json': 'new-plan'}, 201, rbac.ADMIN_ONLY),
        ('GET', '/v1/plans/standard', {}, 200, rbac.ADMIN_READ),
        ('DELETE', '/v1/plans/{plan}', {}, 204, rbac.ADMIN_ONLY),
        ('GET', '/v1/subscriptions', {}, 200, OWN),
        ('GET', '/v1/subscriptions?project_id=' + alpha, {}, 200,
         rbac.ALPHA),
        ('GET', '/v1/subscriptions?all_projects=true', {}, 200,
         rbac.ADMIN_READ),
        ('POST', '/v1/subscriptions', {'json': {
            'project_id': alpha, 'plans': [{
                'plan': 'standard', 'from': '2026-01-01T00:00:00Z'}]}},
         201, rbac.ADMIN_ONLY),
        ('GET', sub, {}, 200, rbac.ALPHA),
        ('PATCH', sub, {'json': {'customer_ref': 'CRM-7'}}, 200,
         rbac.ADMIN_ONLY),
        ('POST', '/v1/quote', {'json': QUOTE}, 200, rbac.ADMIN_READ),
        ('GET', '/v1/rated-usage', {}, 200, OWN),
        ('GET', '/v1/rated-usage?project_id=' + alpha, {}, 200, rbac.ALPHA),
        ('GET', '/v1/rated-usage?all_projects=true', {}, 200,
         rbac.ADMIN_READ),
    ]


class BillingCase(base.APITestCase):

    @classmethod
    def seed(cls):
        """The worked example's catalog, and its rating kept for alpha."""
        super().seed()
        now = timeutils.utcnow()
        cls.storage.create_price_list('public', 'EUR', None, now)
        version = scenario.PRICE_LIST_VERSION
        cls.storage.add_price_list_version(
            'public', timeutils.parse(version['effective_from']),
            version['prices'], now, forced=True, force_reason='test')
        cls.storage.create_plan('standard', 'public', scenario.PLAN, now)
        sub = scenario.subscription()
        period = sub.cycle.period(scenario.day(11))
        alpha = cls.project('alpha')
        rating = rate.rate(sub, scenario.plan_map(), scenario.price_lists(),
                           period, [dataclasses.replace(r, project_id=alpha)
                                    for r in scenario.records()])
        lines = biller.stored_lines(rating, period)
        cls.storage.store_rated('sub-1', period.start, lines, now,
                                filters.matching_sinks)

    def fresh(self, kind):
        """A body, or a path argument, that a call may use once."""
        name = '%s-%s' % (kind, uuid.uuid4().hex[:8])
        if kind == 'new-list':
            return {'id': name, 'currency': 'EUR'}
        if kind == 'new-version':
            return {'effective_from': '%d-01-01T00:00:00Z' % next(FUTURE),
                    'prices': scenario.PRICE_LIST_VERSION['prices']}
        if kind == 'new-plan':
            return dict(scenario.PLAN, id=name)
        self.assertEqual(201, self.request('POST', '/v1/plans', json=dict(
            scenario.PLAN, id=name)).status_code)
        return name


class BillingRBACTest(BillingCase):

    def setUp(self):
        super().setUp()
        response = self.request('POST', '/v1/subscriptions', json={
            'id': 'sub-alpha', 'project_id': self.project('alpha'),
            'plans': [{'plan': 'standard',
                       'from': '2026-01-01T00:00:00Z'}]})
        self.assertIn(response.status_code, (201, 409), response.text)

    def test_matrix(self):
        expected, actual = {}, {}
        for method, path, kwargs, ok, allowed in endpoints(
                self.project('alpha')):
            for identity in base.IDENTITIES:
                key = '%s %s as %s' % (method, path, identity)
                want = allowed[identity]
                expected[key] = ok if want == 'ok' else want
                args = dict(kwargs)
                if isinstance(args.get('json'), str):
                    args['json'] = self.fresh(args['json'])
                target = path.format(plan=self.fresh('plan')) if (
                    '{plan}' in path) else path
                response = self.request(method, target, identity, **args)
                actual[key] = response.status_code
                if response.status_code >= 400:
                    self.assertIn('error', response.json(), key)
        self.assertEqual({}, {key: (want, actual[key]) for key, want in
                              expected.items() if actual[key] != want})

    def test_readers_see_only_their_own(self):
        own = self.request('GET', '/v1/rated-usage?group_by=price&' +
                           FEBRUARY, 'alpha-reader').json()
        self.assertEqual([{'currency': 'EUR', 'amount': '21.22'}],
                         own['totals'])
        other = self.request('GET', '/v1/rated-usage?' + FEBRUARY,
                             'beta-reader').json()
        self.assertEqual([], other['totals'])
        own = self.request('GET', '/v1/subscriptions',
                           'alpha-reader').json()['subscriptions']
        self.assertIn('sub-alpha', [s['id'] for s in own])
        self.assertEqual({self.project('alpha')},
                         {s['project_id'] for s in own})
        self.assertEqual([], self.request(
            'GET', '/v1/subscriptions', 'beta-reader').json()[
                'subscriptions'])
        self.assertEqual(403, self.request(
            'GET', '/v1/subscriptions/sub-alpha', 'beta-reader').status_code)


class _WorkedExample:
    """The guide's example through the API, on a database server."""

    def test_catalog_and_quote(self):
        quote = self.request('POST', '/v1/quote', json=dict(
            test_billing_rating.QUOTE,
            usage=test_billing_rating.quote_usage())).json()
        self.assertEqual('50.51', quote['total'])
        version = self.request('GET', '/v1/price-lists/public/versions/1'
                               ).json()
        self.assertEqual(scenario.PRICE_LIST_VERSION['prices'][0][
            'unit_price'], version['prices'][0]['unit_price'])
        self.assertEqual((True, 'test'), (version['forced'],
                                          version['force_reason']))
        rated = self.request('GET', '/v1/rated-usage?all_projects=true&'
                             'group_by=price&' + FEBRUARY).json()
        self.assertEqual([{'currency': 'EUR', 'amount': '21.22'}],
                         rated['totals'])


class PostgreSQLBillingTest(_WorkedExample, BillingCase):
    backend = 'postgresql'


class MariaDBBillingTest(_WorkedExample, BillingCase):
    backend = 'mariadb'
