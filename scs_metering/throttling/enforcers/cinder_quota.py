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
"""The cinder_quota enforcer: cinder's os-quota-sets, frozen at use.

GET /v3/{admin project}/os-quota-sets/{project}?usage=True answers each
resource as {in_use, limit, reserved}; PUT with {"quota_set": {resource:
limit}} sets one, and answers 400 when the limit is below in_use +
reserved. The catalog's block-storage endpoint carries the admin
project. Resources: volumes, gigabytes, snapshots, backups,
backup_gigabytes, groups, and the per-type ones such as
gigabytes_<volume type>. See ``quotas`` for what is held.
"""

from scs_metering.throttling.enforcers import quotas


class CinderQuotaEnforcer(quotas.QuotaEnforcer):

    service_type = 'block-storage'
    used_key = 'in_use'

    def usage_path(self, project_id):
        return '/os-quota-sets/%s?usage=True' % project_id

    def quota_set(self, body):
        return body.get('quota_set') or {}

    def update(self, project_id, resource, limit):
        self.clients.call(self.service_type, 'PUT',
                          '/os-quota-sets/%s' % project_id,
                          json={'quota_set': {resource: limit}})
