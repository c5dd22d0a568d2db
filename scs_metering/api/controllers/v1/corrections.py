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
"""/v1/corrections: corrections of usage, and their audit trail.

The API checks and stores a correction, with the caller and the reason,
and answers 202: the engine applies it before it next closes windows
(engine/corrections.py), and the sinks then get the new revisions. What
the request names must exist; whether the correction fits the resource's
history is known once applied, and a failed one keeps its reason.
"""

import json

import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models

SOURCE = 'api'


def _view(request, correction):
    document = render.jsonable({
        name: getattr(correction, name) for name in (
            'id', 'kind', 'status', 'reason', 'requested_by',
            'requested_project', 'requested_at', 'source', 'resource_type',
            'resource_id', 'event_id', 'time', 'quarantine_id',
            'applied_at', 'error', 'event_ids')})
    document['links'] = [{'rel': 'self', 'href': '%s/v1/corrections/%s' % (
        request.application_url, correction.id)}]
    return document


def _targets(storage, body):
    """The fields a request names, once what they name is found."""
    kind = body['kind']
    if kind == models.VOID and 'event_id' in body:
        found = storage.event(body['event_id'])
        if found is None:
            raise exception.NotFound(kind='Event', id=body['event_id'])
        return {'event_id': found.id, 'resource_type': found.resource_type,
                'resource_id': found.resource_id}
    if kind == models.REMETER and 'quarantine_id' in body:
        if not storage.quarantined(1, ids=[body['quarantine_id']]):
            raise exception.NotFound(kind='Quarantine entry',
                                     id=body['quarantine_id'])
        return {'quarantine_id': body['quarantine_id'],
                'message': (json.dumps(body['message'], sort_keys=True)
                            if 'message' in body else None)}
    try:
        when = timeutils.parse(body.get('time'))
    except ValueError:
        raise exception.InvalidBody(reason='time is not an ISO 8601 time')
    fields = {'resource_type': body.get('resource_type'),
              'resource_id': body.get('resource_id'), 'time': when}
    if fields['resource_type'] and fields['resource_id'] and (
            storage.resource(fields['resource_type'],
                             fields['resource_id']) is None):
        raise exception.NotFound(kind='Resource', id='%s %s' % (
            fields['resource_type'], fields['resource_id']))
    return fields


class CorrectionController:

    def __init__(self, correction_id):
        self.correction_id = correction_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'correction:show')
        validation.query(request, {})
        try:
            found = request.storage.correction(self.correction_id)
        except db_api.NotFound:
            raise exception.NotFound(kind='Correction',
                                     id=self.correction_id)
        return _view(request, found)


class CorrectionsController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'correction:list')
        values = validation.query(request, schemas.CORRECTIONS_QUERY)
        limit = validation.limit(request, values)
        try:
            found = request.storage.corrections(
                limit + 1, values.get('marker'), status=values.get('status'),
                resource_type=values.get('resource_type'),
                resource_id=values.get('resource_id'))
        except db_api.NotFound:
            raise exception.InvalidParameter(
                name='marker', reason='no correction has this id')
        return validation.page(
            request, 'corrections', [_view(request, c) for c in found],
            limit, lambda c: c['id'])

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'correction:create')
        body = validation.body(request, schemas.CORRECTION_CREATE)
        context = request.context
        try:
            correction = models.Correction.request(
                # No user without Keystone ([api] auth_strategy = noauth).
                body['kind'], body['reason'], context.user_id or 'noauth',
                SOURCE,
                timeutils.utcnow(),
                requested_project=('system' if context.system_scope
                                   else context.project_id),
                **_targets(request.storage, body))
        except models.InvalidCorrection as exc:
            raise exception.InvalidBody(reason=str(exc))
        stored = request.storage.add_correction(correction)
        document = _view(request, stored)
        pecan.response.status = 202
        pecan.response.location = document['links'][0]['href']
        return document

    @pecan.expose()
    def _lookup(self, correction_id, *remainder):
        if remainder:
            pecan.abort(404)
        return CorrectionController(correction_id), remainder
