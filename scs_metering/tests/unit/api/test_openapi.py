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
"""The OpenAPI document is the API the application serves."""

import os
import uuid

import os_service_types
import webtest
import yaml

from scs_metering.api import app
from scs_metering.api import schemas
from scs_metering import replay
from scs_metering.tests import base

DOCUMENT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                        'doc', 'source', 'api', 'openapi.yaml')
BODIES = {'SinkCreate': schemas.SINK_CREATE,
          'SinkUpdate': schemas.SINK_UPDATE,
          'Replay': schemas.REPLAY, 'Retry': schemas.RETRY,
          'CorrectionCreate': schemas.CORRECTION_CREATE,
          'PriceListCreate': schemas.PRICE_LIST_CREATE,
          'PriceListVersionCreate': schemas.PRICE_LIST_VERSION_CREATE,
          'PlanCreate': schemas.PLAN_CREATE,
          'SubscriptionCreate': schemas.SUBSCRIPTION_CREATE,
          'SubscriptionUpdate': schemas.SUBSCRIPTION_UPDATE,
          'QuoteRequest': schemas.QUOTE,
          'InvoiceInterim': schemas.INVOICE_INTERIM,
          'InvoiceVoid': schemas.INVOICE_VOID, 'Rerate': schemas.RERATE,
          'QuarantineRetry': schemas.QUARANTINE_RETRY,
          'RuleCreate': schemas.RULE_CREATE,
          'RuleUpdate': schemas.RULE_UPDATE,
          'RuleEvaluate': schemas.RULE_EVALUATE,
          'DecisionLift': schemas.DECISION_LIFT}
QUERIES = {'listSinks': schemas.SINKS_QUERY,
           'listDeadLetters': schemas.DEAD_LETTERS_QUERY,
           'showUsage': schemas.USAGE_QUERY,
           'listResources': schemas.RESOURCES_QUERY,
           'listCorrections': schemas.CORRECTIONS_QUERY,
           'listPriceLists': schemas.CATALOG_QUERY,
           'listPlans': schemas.CATALOG_QUERY,
           'listSubscriptions': schemas.SUBSCRIPTIONS_QUERY,
           'showRatedUsage': schemas.RATED_USAGE_QUERY,
           'listInvoices': schemas.INVOICES_QUERY,
           'showInvoice': schemas.INVOICE_QUERY,
           'listQuarantine': schemas.QUARANTINE_QUERY,
           'listDecisions': schemas.DECISIONS_QUERY,
           'listEnforcements': schemas.ENFORCEMENTS_QUERY}
# Values of the path parameters of every documented path.
PATH_VALUES = {'resource_type': 'instance', 'number': '1',
               'quarantine_id': '999999'}


def url_of(path):
    return path.format_map(_Fresh(PATH_VALUES))


class _Fresh(dict):
    """A new UUID for every path parameter without a fixed value."""

    def __missing__(self, key):
        return uuid.uuid4()


ADMIN = {'X-Project-Id': 'p-admin', 'X-Roles': 'admin,member,reader'}
# Keystone service type of the API (see doc/source/api/index.rst).
SERVICE_TYPE = 'usage-metering'


def load():
    with open(DOCUMENT) as f:
        return yaml.safe_load(f)


def operations(document):
    for path, item in document['paths'].items():
        for method, operation in item.items():
            if method != 'parameters':
                yield path, method, operation


class DocumentTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.document = load()
        self.config('api', auth_strategy='noauth')
        self.app = webtest.TestApp(app.build_wsgi_app(
            self.conf, self.connection,
            retry_quarantined=replay.retry_quarantined))

    def test_request_schemas_are_the_enforced_ones(self):
        found = self.document['components']['schemas']
        for name, schema in BODIES.items():
            self.assertEqual(schema, found[name], name)

    def test_query_parameters_are_the_enforced_ones(self):
        by_id = {op['operationId']: op for _p, _m, op in operations(
            self.document)}
        for operation_id, parameters in QUERIES.items():
            documented = {p['name']: p['schema']
                          for p in by_id[operation_id]['parameters']}
            self.assertEqual(parameters, documented, operation_id)
        for _path, _method, operation in operations(self.document):
            if operation['operationId'] not in QUERIES:
                self.assertFalse(operation.get('parameters'),
                                 operation['operationId'])

    def test_every_documented_operation_is_served(self):
        for path, method, operation in operations(self.document):
            url = url_of(path)
            response = self.app.request(url, method=method.upper(),
                                        headers=ADMIN, expect_errors=True)
            # An unknown sink or resource is a 404 from the controller,
            # never pecan's "no such route".
            self.assertNotEqual(405, response.status_int, url)
            if response.status_int == 404:
                self.assertNotEqual('The resource could not be found.',
                                    response.json['error']['message'], url)

    def test_undocumented_methods_answer_405_with_allow(self):
        # RFC 9110 requires the Allow header on a 405; clients and the
        # dashboard read it. Every path refuses a method it lacks so.
        methods = {'GET', 'POST', 'PUT', 'PATCH', 'DELETE'}
        for path, item in load()['paths'].items():
            if path == '/healthcheck':
                continue  # oslo.middleware's, which answers any method
            documented = {m.upper() for m in item if m != 'parameters'}
            url = url_of(path)
            for method in sorted(methods - documented):
                response = self.app.request(url, method=method,
                                            headers=ADMIN,
                                            expect_errors=True)
                self.assertEqual(405, response.status_int,
                                 (method, url))
                allowed = {m.strip() for m in
                           response.headers['Allow'].split(',')}
                self.assertEqual(documented, allowed, (method, url))
                self.assertIn('error', response.json, (method, url))

    def test_undocumented_paths_are_not_served(self):
        for path in ('/v2', '/v1/sinks/x/y', '/v1/usage/x', '/v1/status/x',
                     '/v1/resources/instance', '/v1/quarantine/1/x',
                     '/v1/quarantine/1/retry/x'):
            response = self.app.get(path, headers=ADMIN, expect_errors=True)
            self.assertEqual(404, response.status_int, path)

    def test_service_type_is_free(self):
        # Registered types and aliases of the service-types authority,
        # as os-service-types ships them (keystoneauth1 depends on it).
        taken = set()
        for service in os_service_types.ServiceTypes()._service_types_data[
                'services']:
            taken.add(service['service_type'])
            taken.update(service.get('aliases', ()))
        self.assertIn('metering', taken)
        self.assertNotIn(SERVICE_TYPE, taken)
