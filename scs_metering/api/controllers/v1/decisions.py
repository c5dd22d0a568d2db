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
"""/v1/decisions and /v1/enforcements: what throttling decided and holds.

A project's readers see the decisions about their own project; an
administrator sees all of them, lifts one with a reason, and sees what
each enforcer holds and the value it found there first (which a revert
restores). Lifting is stored here; the engine's evaluator reverts the
enforcement at its next run.
"""

import pecan

from scs_metering.api.controllers.v1 import usage
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.throttling import decisions as dec

ACTIVE = 'active'


def _view(request, document):
    view = dict(document)
    view['links'] = [{'rel': 'self', 'href': '%s/v1/decisions/%s' % (
        request.application_url, document['id'])}]
    return view


def _found(request, decision_id):
    try:
        return request.storage.decision(decision_id)
    except db_api.NotFound:
        raise exception.NotFound(kind='Decision', id=decision_id)


class LiftController:

    def __init__(self, decision_id):
        self.decision_id = decision_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('POST')

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'decision:lift')
        reason = validation.body(request, schemas.DECISION_LIFT)['reason']
        now = timeutils.utcnow()

        def lift(document):
            return dec.from_document(document).lift(now, reason).document()
        try:
            lifted = request.storage.lift_decision(self.decision_id, lift,
                                                   now)
        except db_api.NotFound:
            raise exception.NotFound(kind='Decision', id=self.decision_id)
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        return _view(request, lifted)


class DecisionController:

    def __init__(self, decision_id):
        self.decision_id = decision_id
        self.lift = LiftController(decision_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        validation.query(request, {})
        found = _found(request, self.decision_id)
        policy.authorize(request, 'decision:show',
                         {'project_id': found['project_id']})
        return _view(request, found)


class DecisionsController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.DECISIONS_QUERY)
        project_id = usage.scope(request, values, 'decision:list')
        limit = validation.limit(request, values)
        state = values.get('state')
        try:
            found = request.storage.decisions(
                project_id=project_id, rule_id=values.get('rule_id'),
                states=((dec.OPEN, dec.LIFTED) if state == ACTIVE
                        else [state] if state else None),
                limit=limit + 1, marker=values.get('marker'))
        except db_api.NotFound:
            raise exception.InvalidParameter(
                name='marker', reason='no decision has this id')
        return validation.page(request, 'decisions',
                               [_view(request, d) for d in found], limit,
                               lambda d: d['id'])

    @pecan.expose()
    def _lookup(self, decision_id, *remainder):
        if remainder and remainder[0] != 'lift':
            pecan.abort(404)
        return DecisionController(decision_id), remainder


class EnforcementsController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'enforcement:list')
        values = validation.query(request, schemas.ENFORCEMENTS_QUERY)
        return {'enforcements': request.storage.enforcement_records(
            values.get('project_id'))}
