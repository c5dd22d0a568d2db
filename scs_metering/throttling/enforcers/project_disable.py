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
"""The project_disable enforcer: an explicit suspension in Keystone.

It sets the project's ``enabled`` to false (PATCH /v3/projects/{id}),
and back to what it was when the decision closes. Keystone then refuses
new tokens scoped to the project, but tokens already issued stay valid
in the services that cached their validation (keystonemiddleware's
``token_cache_time``, 300 s by default) until that cache expires: a
suspension takes up to that long to reach every service.

Off by default ([throttling] enabled_enforcers): it stops every user
of the project, for every service, at once.
"""

from scs_metering.throttling.enforcers import base
from scs_metering.throttling import errors


class ProjectDisableEnforcer(base.Enforcer):

    def __init__(self, conf, clients=None, **others):
        super().__init__(conf, **others)
        self.clients = clients

    def read(self, project_id, params):
        body = self.clients.identity('GET', '/projects/%s' % project_id)
        project = (body or {}).get('project')
        if not isinstance(project, dict) or not isinstance(
                project.get('enabled'), bool):
            raise errors.EnforcerError('identity GET /v3/projects/%s: no '
                                       'project.enabled in the answer' %
                                       project_id)
        return {'enabled': project['enabled']}

    def goal(self, params, current, prior):
        return {'enabled': False}

    def write(self, project_id, params, current, state):
        self.clients.identity(
            'PATCH', '/projects/%s' % project_id,
            json={'project': {'enabled': state['enabled']}})
