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
"""/v1/usage: the usage report of a project."""

import datetime

import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering import events

# Keys a report can be grouped by besides record attributes.
RECORD_KEYS = ('resource_type', 'project_id')


def month(now):
    start = now.replace(day=1, hour=0, minute=0, second=0)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def scope(request, values, rule):
    """The project a report is about, None for all; enforces policy."""
    if values.get('all_projects'):
        policy.authorize(request, rule + '_all_projects')
        return values.get('project_id')
    project_id = values.get('project_id') or request.context.project_id
    if not project_id:
        raise exception.InvalidParameter(
            name='project_id', reason='required without a project token')
    policy.authorize(request, rule, {'project_id': project_id})
    return project_id


def check_group_by(definitions, group_by):
    """Refuse a key that no record has: it would group into nulls."""
    known = set(RECORD_KEYS).union(*(
        meter.group_by for meter in definitions.meters.values()))
    for key in group_by:
        if key not in known:
            raise exception.InvalidParameter(
                name='group_by', reason='%s is not a key records are '
                'grouped by; known keys: %s' % (key, ', '.join(
                    sorted(known))))


def group(totals, group_by):
    """Sum storage totals by meter and the ``group_by`` keys."""
    groups = {}
    for total in totals:
        values = {key: (total[key] if key in RECORD_KEYS
                        else total['attributes'].get(key))
                  for key in group_by}
        key = (total['meter'], total['unit'],
               tuple(str(values[k]) for k in group_by))
        entry = groups.setdefault(key, {
            'meter': total['meter'], 'unit': total['unit'],
            'group': values, 'quantity': 0,
            'provenance': dict.fromkeys(events.PROVENANCES, 0)})
        entry['quantity'] += total['quantity']
        for provenance, seconds in total['provenance'].items():
            entry['provenance'][provenance] += seconds
    for entry in groups.values():
        entry['inferred_seconds'] = sum(
            seconds for name, seconds in entry['provenance'].items()
            if name != events.NOTIFICATION)
    return [groups[key] for key in sorted(groups)]


class UsageController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.USAGE_QUERY)
        project_id = scope(request, values, 'usage:get')
        start, end = validation.time_range(
            values, *month(timeutils.utcnow()))
        group_by = values.get('group_by', [])
        check_group_by(request.definitions, group_by)
        totals = request.storage.usage_report(
            project_id=project_id, start=start, end=end,
            meters=values.get('meter'),
            resource_types=values.get('resource_type'))
        return render.jsonable({
            'project_id': project_id, 'start': start, 'end': end,
            'group_by': group_by, 'usage': group(totals, group_by)})
