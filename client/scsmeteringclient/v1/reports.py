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
"""What the service measured, and how its parts are doing."""

from scsmeteringclient.v1 import base


class UsageManager(base.Manager):

    def get(self, project_id=None, all_projects=False, start=None,
            end=None, meters=None, resource_types=None, group_by=None):
        """The usage report of a project (the token's, by default).

        Quantities are exact decimal strings in the unit of their meter;
        the range is [start, end), the current UTC month by default.
        """
        params = {'project_id': project_id,
                  'start': base.time(start), 'end': base.time(end),
                  'meter': meters, 'resource_type': resource_types,
                  'group_by': group_by}
        if all_projects:
            params['all_projects'] = 'true'
        return self.http.request('GET', '/usage', params={
            k: v for k, v in params.items() if v})


class ResourceManager(base.Manager):

    def list(self, project_id=None, all_projects=False, resource_type=None,
             start=None, end=None, limit=None, marker=None):
        """Tracked resources with their billable periods."""
        params = {'project_id': project_id, 'resource_type': resource_type,
                  'start': base.time(start), 'end': base.time(end)}
        if all_projects:
            params['all_projects'] = 'true'
        return self._list('/resources', 'resources', params, limit, marker)

    def get(self, resource_type, resource_id):
        return self.http.request('GET', '/resources/%s/%s' % (
            base.quote(resource_type), base.quote(resource_id)))


class StatusManager(base.Manager):

    def get(self):
        """Heartbeats, reconciliation, window lag and quarantine counts."""
        return self.http.request('GET', '/status')
