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
"""Plans set fees and allowances: administrators manage them."""

from scs_metering.policies import base

_PLAN = '/v1/plans/{plan_id}'

rules = [
    base.rule('plan:create', base.ADMIN, 'Create a plan.', 'POST',
              '/v1/plans'),
    base.rule('plan:list', base.ADMIN_OR_SYSTEM_READER, 'List plans.',
              'GET', '/v1/plans'),
    base.rule('plan:show', base.ADMIN_OR_SYSTEM_READER, 'Show a plan.',
              'GET', _PLAN),
    base.rule('plan:delete', base.ADMIN,
              'Delete a plan that no subscription names.', 'DELETE', _PLAN),
]


def list_rules():
    return rules
