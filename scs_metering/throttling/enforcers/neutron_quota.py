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
"""The neutron_quota enforcer: neutron's quotas, frozen at use.

GET /v2.0/quotas/{project}/details.json answers each resource as
{used, limit, reserved} (the quota_details extension); PUT
/v2.0/quotas/{project} with {"quota": {resource: limit}} sets one, and
since 2025.1 answers 400 when the limit is below what is used (unless
``force`` is JSON true, which this enforcer never sends). Resources:
network, subnet, port, router, floatingip, security_group,
security_group_rule, ... See ``quotas`` for what is held.
"""

from scs_metering.throttling.enforcers import quotas


class NeutronQuotaEnforcer(quotas.QuotaEnforcer):

    service_type = 'network'
    used_key = 'used'

    def usage_path(self, project_id):
        return '/v2.0/quotas/%s/details.json' % project_id

    def quota_set(self, body):
        return body.get('quota') or {}

    def update(self, project_id, resource, limit):
        self.clients.call(self.service_type, 'PUT',
                          '/v2.0/quotas/%s' % project_id,
                          json={'quota': {resource: limit}})
