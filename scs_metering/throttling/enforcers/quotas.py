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
"""Freezing a quota of the services whose quota APIs refuse to go below use.

cinder (os-quota-sets) and neutron (quotas) keep per-project quotas
themselves, and both refuse to set a limit below what the project uses
now (cinder counts in-use plus reserved; neutron, since 2025.1, counts
what is used). So the enforcers *freeze* a resource: its limit becomes
what the project uses now (used + reserved), or ``value`` if that is
higher; a create that needs more is refused, and what exists keeps
working. Parameters::

    {"resource": "gigabytes",   # the quota's key
     "value": 100}              # optional: hold at most this, never
                                # below what is in use

The state held is ``{"limit": n}``; a revert writes back the limit
found before the first apply (-1, unlimited, included). A limit found
equal to the project's default comes back as a project quota of the
same value: the quota APIs do not tell a default from an override, and
deleting a project's quotas would reset all of its resources.
"""

import abc

from scs_metering.throttling.enforcers import base
from scs_metering.throttling import errors

UNLIMITED = -1


class QuotaEnforcer(base.Enforcer, metaclass=abc.ABCMeta):
    """Freezes one quota resource of one project."""

    service_type = None
    # Key of the usage in the service's "with usage" answer.
    used_key = None

    def __init__(self, conf, clients=None, **others):
        super().__init__(conf, **others)
        self.clients = clients

    @classmethod
    def check_params(cls, params, path):
        base.known(params, ('resource', 'value'), path)
        checked = {'resource': base.name(params, 'resource', path)}
        value = base.integer(params, 'value', path, required=False)
        if value is not None:
            checked['value'] = value
        return checked

    @classmethod
    def target(cls, params):
        return params['resource']

    @classmethod
    def strictness(cls, params):
        # Freezing at use is stricter than any value, which use may pass.
        return params.get('value', -1)

    @abc.abstractmethod
    def usage_path(self, project_id):
        """GET path of the project's quotas with their usage."""

    @abc.abstractmethod
    def update(self, project_id, resource, limit):
        """PUT one resource's limit."""

    @abc.abstractmethod
    def quota_set(self, body):
        """{resource: {limit, <used_key>, reserved}} of a usage answer."""

    def read(self, project_id, params):
        path = self.usage_path(project_id)
        quotas = self.quota_set(self.clients.call(self.service_type, 'GET',
                                                  path) or {})
        resource = params['resource']
        found = quotas.get(resource)
        if not isinstance(found, dict) or not isinstance(
                found.get('limit'), int):
            raise errors.EnforcerError(
                '%s has no quota %r for project %s; known: %s' % (
                    self.service_type, resource, project_id,
                    ', '.join(sorted(k for k, v in quotas.items()
                                     if isinstance(v, dict)))),
                retry=False)
        return {'limit': found['limit'],
                'in_use': (found.get(self.used_key) or 0) +
                (found.get('reserved') or 0)}

    def prior_of(self, current):
        return {'limit': current['limit']}

    def goal(self, params, current, prior):
        wanted = max(params.get('value', current['in_use']),
                     current['in_use'])
        held = prior['limit']
        if held != UNLIMITED and held <= wanted:
            return {'limit': held}
        return {'limit': wanted}

    def write(self, project_id, params, current, state):
        self.update(project_id, params['resource'], state['limit'])
