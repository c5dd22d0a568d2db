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
"""/v1/resources: tracked resources with their billable periods."""

import pecan

from scs_metering.api.controllers.v1 import usage
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation


def _marker(value):
    # "<resource_type>:<resource_id>"; types never hold a colon.
    resource_type, sep, resource_id = value.partition(':')
    if not sep or not resource_type or not resource_id:
        raise exception.InvalidParameter(
            name='marker', reason='expected <resource_type>:<resource_id>')
    return resource_type, resource_id


def _view(resource):
    resource = dict(resource)
    for period in resource['periods']:
        period['uncertainty_seconds'] = _uncertainty(period)
    return render.jsonable(resource)


def _uncertainty(period):
    """Seconds by which the billed span may differ from the true one."""
    total = 0
    for low, high in (('start_min', 'start_max'), ('end_min', 'end_max')):
        if period[low] is not None and period[high] is not None:
            total += int((period[high] - period[low]).total_seconds())
    return total


class ResourceController:

    def __init__(self, resource_type, resource_id):
        self.resource_type = resource_type
        self.resource_id = resource_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        validation.query(request, {})
        found = request.storage.resource(self.resource_type,
                                         self.resource_id)
        if found is None:
            raise exception.NotFound(
                kind='Resource', id='%s %s' % (self.resource_type,
                                               self.resource_id))
        # A reader of a project the resource was billed to sees it, with
        # the periods of that project only.
        caller = request.context.project_id
        owners = {found['project_id']} | {
            p['project_id'] for p in found['periods']}
        policy.authorize(request, 'resource:show', {
            'project_id': caller if caller in owners
            else found['project_id']})
        if not policy.allowed(request, 'resource:list_all_projects', None):
            found['periods'] = [p for p in found['periods']
                                if p['project_id'] == caller]
        return _view(found)


class ResourcesController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.RESOURCES_QUERY)
        project_id = usage.scope(request, values, 'resource:list')
        start, end = validation.time_range(values)
        limit = validation.limit(request, values)
        found = request.storage.resources(
            project_id=project_id,
            resource_type=values.get('resource_type'), start=start,
            end=end, limit=limit + 1,
            marker=(_marker(values['marker']) if 'marker' in values
                    else None))
        return validation.page(
            request, 'resources', [_view(r) for r in found], limit,
            lambda r: '%s:%s' % (r['resource_type'], r['resource_id']))

    @pecan.expose()
    def _lookup(self, resource_type, resource_id, *remainder):
        if remainder:
            pecan.abort(404)
        return ResourceController(resource_type, resource_id), remainder
