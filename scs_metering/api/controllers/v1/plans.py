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
"""/v1/plans: a price list with recurring fees and allowances.

Plans are immutable: a new fee is a new plan, and a plan change on the
subscriptions that should have it. A plan no subscription names can be
deleted.
"""

import pecan

from scs_metering.api import billing
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.rating import errors
from scs_metering.rating import plans as plans_
from scs_metering.rating import pricelist


def _view(request, stored):
    return billing.view(request, dict(stored.document,
                                      created_at=stored.created_at),
                        'plans/%s' % stored.id)


def _check_allowances(plan, price_list):
    """An allowance must name a usage price of the plan's list."""
    known = {p.id for v in price_list.versions for p in v.prices
             if not p.flat}
    for index, (price_id, _units) in enumerate(plan.allowances):
        if price_id not in known:
            raise exception.InvalidBody(
                reason='allowances/%d/price: price list %s has no usage '
                'price %s; its usage prices are %s' % (
                    index, price_list.id, price_id,
                    ', '.join(sorted(known)) or 'none yet'))


class PlanController:

    def __init__(self, plan_id):
        self.plan_id = plan_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'DELETE')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'plan:show')
        validation.query(request, {})
        try:
            return _view(request, request.storage.plan(self.plan_id))
        except db_api.NotFound:
            raise exception.NotFound(kind='Plan', id=self.plan_id)

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        request = pecan.request
        policy.authorize(request, 'plan:delete')
        try:
            request.storage.delete_plan(self.plan_id)
        except db_api.NotFound:
            raise exception.NotFound(kind='Plan', id=self.plan_id)
        except db_api.Conflict as exc:
            raise exception.Conflict(reason='%s; a plan in use stays' % exc)
        pecan.response.status = 204


class PlansController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'plan:list')
        values = validation.query(request, schemas.CATALOG_QUERY)
        found = [_view(request, p) for p in request.storage.plans()]
        return billing.page(request, 'plans', found, values,
                            lambda p: p['id'])

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'plan:create')
        body = validation.body(request, schemas.PLAN_CREATE, exact=True)
        try:
            plan = plans_.parse_plan(body)
        except errors.DocumentError as exc:
            raise billing.invalid(exc)
        stored_list = billing.price_list(request.storage, plan.price_list,
                                         'price_list')
        _check_allowances(plan, pricelist.from_stored(stored_list))
        try:
            stored = request.storage.create_plan(
                plan.id, plan.price_list, plan.document(),
                timeutils.utcnow())
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        document = _view(request, stored)
        pecan.response.status = 201
        pecan.response.location = document['links'][0]['href']
        return document

    @pecan.expose()
    def _lookup(self, plan_id, *remainder):
        if remainder:
            pecan.abort(404)
        return PlanController(plan_id), remainder
