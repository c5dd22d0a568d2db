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
"""The API on SQLite without Keystone, with the billing worked example.

The documents are those of doc/source/admin/billing.rst's worked example
(tests/unit/rating/scenario.py), so the figures the guide works out by
hand are the ones the API must answer.
"""

import copy

import webtest

from scs_metering.api import app
from scs_metering.tests import base
from scs_metering.tests.unit.rating import scenario

ADMIN = {'X-Project-Id': 'p-admin', 'X-Roles': 'admin,member,reader'}
READER = {'X-Project-Id': 'p1', 'X-Roles': 'reader'}
OTHER_READER = {'X-Project-Id': 'p2', 'X-Roles': 'reader'}


def version(**changes):
    document = copy.deepcopy(scenario.PRICE_LIST_VERSION)
    document.update(changes)
    return document


class BillingAPITestCase(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.config('api', auth_strategy='noauth')
        self.app = webtest.TestApp(app.build_wsgi_app(self.conf,
                                                      self.connection))

    def call(self, method, path, body=None, status=None, headers=ADMIN):
        kwargs = {'headers': headers, 'expect_errors': True}
        if body is not None:
            kwargs['params'] = body
        response = getattr(self.app, method.lower() + (
            '_json' if body is not None else ''))(path, **kwargs)
        if status is not None:
            self.assertEqual(status, response.status_int, response.text)
        return response

    def error(self, method, path, body=None, status=400, headers=ADMIN):
        return self.call(method, path, body, status, headers).json[
            'error']['message']

    def catalog(self):
        """The worked example's price list, plan and subscription."""
        self.call('POST', '/v1/price-lists', {
            'id': 'public', 'currency': 'EUR'}, 201)
        self.call('POST', '/v1/price-lists/public/versions', version(
            force=True, reason='the 2024 list, entered late'), 201)
        self.call('POST', '/v1/plans', scenario.PLAN, 201)
        return self.call('POST', '/v1/subscriptions',
                         scenario.SUBSCRIPTION, 201).json
