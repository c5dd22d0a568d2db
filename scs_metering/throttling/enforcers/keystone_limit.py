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
"""The keystone_limit enforcer: project limits in Keystone unified limits.

nova (``[quota] driver = nova.quota.UnifiedLimitsDriver``) and glance
(``use_keystone_limits``) count a project's usage and ask oslo.limit
whether usage + the request stays within the project's limit: its
project limit (/v3/limits) if it has one, else the registered default
(/v3/registered_limits) of the service's resource. Lowering the project
limit makes the service refuse the next create; what runs keeps running.

Parameters::

    {"service": "compute",        # a service type, name or id
     "resource_name": "servers",  # as registered, e.g. class:VCPU
     "value": 0,                  # the limit to hold, at most
     "region": "RegionOne"}       # optional: a region-specific limit

The state held is the project limit, ``{"limit": n}``, or ``{"limit":
None}`` for "no project limit, the registered default applies". A
revert restores exactly that: it sets the old project limit back, or
deletes the project limit the enforcer created. The goal never loosens
the limit found: with a limit of 5 and a value of 10, 5 stays.

The user needs a role that may write limits (admin, by Keystone's
default policy) and read them for every project (admin, service, or a
system-scoped token): a project-scoped token of any other role lists
only its own project's limits.
"""

from scs_metering.throttling.enforcers import base
from scs_metering.throttling import errors

UNLIMITED = -1
DESCRIPTION = ('Set by scs-metering throttling; the project\'s prior limit '
               'comes back when the decision closes.')


class LimitsAPI:
    """Keystone's /v3/limits and /v3/registered_limits, via Clients."""

    def __init__(self, clients):
        self.clients = clients
        self._services = {}

    def _get(self, path, **params):
        return self.clients.identity('GET', path, params={
            k: v for k, v in params.items() if v is not None}) or {}

    def service_id(self, service):
        """The id of a service given by type, name or id."""
        if service not in self._services:
            found = None
            for key in ('type', 'name'):
                services = self._get('/services', **{key: service}).get(
                    'services') or []
                if services:
                    found = sorted(s['id'] for s in services)[0]
                    break
            if found is None:
                try:
                    if self._get('/services/%s' % service):
                        found = service
                except errors.EnforcerError:
                    return None
            self._services[service] = found
        return self._services[service]

    def _one(self, path, collection, region_id, **params):
        items = self._get(path, region_id=region_id, **params).get(
            collection) or []
        items = [i for i in items if i.get('region_id') == region_id]
        return items[0] if items else None

    def registered(self, service_id, region_id, resource_name):
        found = self._one('/registered_limits', 'registered_limits',
                          region_id, service_id=service_id,
                          resource_name=resource_name)
        return None if found is None else found['default_limit']

    def project_limit(self, project_id, service_id, region_id,
                      resource_name):
        """(limit id, resource_limit) of the project, or (None, None)."""
        found = self._one('/limits', 'limits', region_id,
                          service_id=service_id, project_id=project_id,
                          resource_name=resource_name)
        return (None, None) if found is None else (
            found['id'], found['resource_limit'])

    def create(self, project_id, service_id, region_id, resource_name,
               value):
        limit = {'project_id': project_id, 'service_id': service_id,
                 'resource_name': resource_name, 'resource_limit': value,
                 'description': DESCRIPTION}
        if region_id is not None:
            limit['region_id'] = region_id
        self.clients.identity('POST', '/limits', json={'limits': [limit]})

    def update(self, limit_id, value):
        body = self.clients.identity(
            'PATCH', '/limits/%s' % limit_id,
            json={'limit': {'resource_limit': value}}) or {}
        found = (body.get('limit') or {}).get('resource_limit')
        if found != value:
            raise errors.EnforcerError(
                'Keystone answered PATCH /v3/limits/%s with a limit of %s, '
                'not %s' % (limit_id, found, value))

    def delete(self, limit_id):
        self.clients.identity('DELETE', '/limits/%s' % limit_id)


def _looser(a, b):
    """Whether limit a lets through more than limit b (-1: no limit)."""
    if a == b:
        return False
    return a == UNLIMITED or (b != UNLIMITED and a > b)


class KeystoneLimitEnforcer(base.Enforcer):

    def __init__(self, conf, clients=None, limits_api=None, **others):
        super().__init__(conf, **others)
        self.api = limits_api or LimitsAPI(clients)

    @classmethod
    def check_params(cls, params, path):
        base.known(params, ('service', 'resource_name', 'value', 'region'),
                   path)
        checked = {'service': base.name(params, 'service', path),
                   'resource_name': base.name(params, 'resource_name',
                                              path),
                   'value': base.integer(params, 'value', path)}
        region = base.name(params, 'region', path, required=False)
        if region is not None:
            checked['region'] = region
        return checked

    @classmethod
    def target(cls, params):
        return '%s/%s/%s' % (params['service'], params.get('region') or '',
                             params['resource_name'])

    @classmethod
    def strictness(cls, params):
        return params['value']

    def _service(self, params):
        service_id = self.api.service_id(params['service'])
        if service_id is None:
            raise errors.EnforcerError('Keystone has no service %r' %
                                       params['service'], retry=False)
        return service_id

    def read(self, project_id, params):
        service_id = self._service(params)
        region, resource = params.get('region'), params['resource_name']
        default = self.api.registered(service_id, region, resource)
        limit_id, limit = self.api.project_limit(project_id, service_id,
                                                 region, resource)
        if default is None and limit_id is None:
            raise errors.EnforcerError(
                'Keystone has no registered limit of %s %s%s: the service '
                'does not enforce it, so the enforcer will not set it' % (
                    params['service'], resource,
                    ' in %s' % region if region else ''), retry=False)
        return {'limit': limit, 'limit_id': limit_id, 'default': default,
                'service_id': service_id}

    def prior_of(self, current):
        return {'limit': current['limit']}

    def goal(self, params, current, prior):
        held = prior['limit']
        effective = current['default'] if held is None else held
        if effective is not None and not _looser(effective,
                                                 params['value']):
            return {'limit': held}
        return {'limit': params['value']}

    def write(self, project_id, params, current, state):
        if state['limit'] is None or (
                state['limit'] == 0 and current['limit_id'] is not None):
            # Keystone ignores a PATCH of resource_limit to 0 (its SQL
            # driver tests the value's truth, keystone 30.0.0,
            # keystone/limit/backends/sql.py update_limit), so a limit
            # lowered to 0 is deleted and created again. Between the two
            # calls the registered default applies, for milliseconds.
            if current['limit_id'] is not None:
                self.api.delete(current['limit_id'])
            if state['limit'] is None:
                return
            self.api.create(project_id, current['service_id'],
                            params.get('region'), params['resource_name'],
                            state['limit'])
        elif current['limit_id'] is not None:
            self.api.update(current['limit_id'], state['limit'])
        else:
            self.api.create(project_id, current['service_id'],
                            params.get('region'), params['resource_name'],
                            state['limit'])
