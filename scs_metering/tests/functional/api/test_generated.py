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
"""Requests generated from the OpenAPI document never get a 5xx.

schemathesis draws valid and invalid requests for every operation of
doc/source/api/openapi.yaml and sends them, as the admin, to the live
API behind keystonemiddleware. Whatever a client sends, the answer is a
2xx or a 4xx with a JSON error. SCS_METERING_TEST_API_EXAMPLES sets the
number of examples per operation and mode (default 15, a short run).
"""

import os

import hypothesis
import hypothesis.errors
import schemathesis
import yaml

from scs_metering.tests.functional.api import base

DOCUMENT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                        'doc', 'source', 'api', 'openapi.yaml')
EXAMPLES = int(os.environ.get('SCS_METERING_TEST_API_EXAMPLES', '15'))


class GeneratedRequestsTest(base.APITestCase):

    def check(self, operation, mode, headers, failures):
        @hypothesis.settings(
            max_examples=EXAMPLES, deadline=None, database=None,
            derandomize=True, print_blob=False,
            suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.given(case=operation.as_strategy(mode))
        def run(case):
            response = case.call(base_url=self.url, headers=headers,
                                 timeout=60)
            if response.status_code >= 500:
                failures.append('%s %s -> %d %s' % (
                    case.method, case.formatted_path, response.status_code,
                    response.text[:200]))
            elif response.status_code >= 400 and case.path != '/healthcheck':
                self.assertIn('error', response.json())
        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # No invalid request exists for an operation without inputs.
            self.assertEqual(schemathesis.GenerationMode.NEGATIVE, mode)

    def test_no_server_errors(self):
        schema = schemathesis.openapi.from_path(os.path.abspath(DOCUMENT))
        headers = {'X-Auth-Token': self.keystone.token('admin')}
        failures = []
        operations = [result.ok() for result in schema.get_all_operations()]
        # Every documented operation is generated for, none skipped.
        with open(DOCUMENT) as f:
            paths = yaml.safe_load(f)['paths']
        documented = [method for item in paths.values()
                      for method in item if method != 'parameters']
        self.assertEqual(len(documented), len(operations))
        for operation in operations:
            for mode in schemathesis.GenerationMode:
                self.check(operation, mode, headers, failures)
        self.assertEqual([], failures)
