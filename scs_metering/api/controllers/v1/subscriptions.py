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
"""/v1/subscriptions: a project or a domain bound to a timeline of plans.

A subscription has a billing anchor day (1 to 28, or the month's end),
the billing time zone its periods follow (an IANA name, checked against
zoneinfo; ``[billing] timezone`` when not given) and the customer's
reference in the operator's billing system. A plan change is a new entry
of the timeline; only the future may change: what was billed stays.
"""

import uuid

import pecan

from scs_metering.api import billing
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.rating import errors
from scs_metering.rating import plans as plans_


def _view(request, stored):
    return billing.view(request, dict(
        stored.document, revision=stored.revision,
        created_at=stored.created_at, updated_at=stored.updated_at),
        'subscriptions/%s' % stored.id)


def _parse(request, document):
    """The parsed subscription, its plans found in one currency."""
    try:
        sub = plans_.parse_subscription(document,
                                        request.conf.billing.timezone)
    except errors.DocumentError as exc:
        raise billing.invalid(exc)
    found, lists = billing.catalog(request.storage, [
        ('plans/%d/plan' % index, plan_id)
        for index, (plan_id, _start) in enumerate(sub.plans)])
    currencies = {lists[p.price_list].currency for p in found.values()}
    if len(currencies) > 1:
        raise exception.InvalidBody(
            reason='plans: the plans bill in %s; a subscription bills in '
            'one currency' % ', '.join(sorted(currencies)))
    return sub


def _stored(sub):
    kind, scope = sub.scope
    return models.Subscription(
        id=sub.id, document=sub.document(), started_at=sub.start,
        ended_at=sub.end,
        project_id=scope if kind == 'project_id' else None,
        domain_id=scope if kind == 'domain_id' else None,
        anchor_day=str(sub.cycle.anchor), timezone=sub.cycle.timezone,
        customer_ref=sub.customer_ref)


def check_past_kept(old, new, now):
    """Refuse a change to what ``old`` bills before ``now``."""
    before = [(p, s) for p, s in old.plans if s < now]
    after = [(p, s) for p, s in new.plans if s < now]
    if before != after:
        raise exception.InvalidBody(
            reason='plans: the entries before now (%s) cannot change: '
            'they have been billed or are being billed; add a plan change '
            'from now on instead' % timeutils.isoformat(now))
    if old.end != new.end and min(
            e for e in (old.end, new.end, now) if e is not None) < now:
        raise exception.InvalidBody(
            reason='end: a subscription ends now or later, not in the past '
            '(%s), and an end that has passed stays' % (
                timeutils.isoformat(now)))


class SubscriptionController:

    def __init__(self, subscription_id):
        self.subscription_id = subscription_id

    def _find(self, request, action):
        try:
            stored = request.storage.subscription(self.subscription_id)
        except db_api.NotFound:
            # Only a caller who may see every subscription learns that an
            # id is free; to others it is as forbidden as another's.
            policy.authorize(request, 'subscription:list_all_projects')
            raise exception.NotFound(kind='Subscription',
                                     id=self.subscription_id)
        policy.authorize(request, 'subscription:' + action,
                         {'project_id': stored.project_id or ''})
        return stored

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'PATCH')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        validation.query(request, {})
        return _view(request, self._find(request, 'show'))

    @index.when(method='PATCH', template='json')
    def index_patch(self):
        request = pecan.request
        stored = self._find(request, 'update')
        body = validation.body(request, schemas.SUBSCRIPTION_UPDATE,
                               exact=True)
        old = _parse(request, stored.document)
        new = _parse(request, dict(stored.document, **body))
        check_past_kept(old, new, timeutils.utcnow())
        return _view(request, request.storage.put_subscription(
            _stored(new), timeutils.utcnow()))


class SubscriptionsController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.SUBSCRIPTIONS_QUERY)
        if values.get('all_projects') or 'domain_id' in values:
            policy.authorize(request, 'subscription:list_all_projects')
            project_id = values.get('project_id')
        else:
            project_id = (values.get('project_id') or
                          request.context.project_id)
            if not project_id:
                raise exception.InvalidParameter(
                    name='project_id',
                    reason='required without a project token')
            policy.authorize(request, 'subscription:list',
                             {'project_id': project_id})
        found = request.storage.subscriptions(
            project_id=project_id, domain_id=values.get('domain_id'))
        return billing.page(request, 'subscriptions',
                            [_view(request, s) for s in found], values,
                            lambda s: s['id'])

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'subscription:create')
        body = validation.body(request, schemas.SUBSCRIPTION_CREATE,
                               exact=True)
        body.setdefault('id', str(uuid.uuid4()))
        sub = _parse(request, body)
        try:
            request.storage.subscription(sub.id)
        except db_api.NotFound:
            pass
        else:
            raise exception.Conflict(reason='subscription %s exists '
                                     'already' % sub.id)
        document = _view(request, request.storage.put_subscription(
            _stored(sub), timeutils.utcnow()))
        pecan.response.status = 201
        pecan.response.location = document['links'][0]['href']
        return document

    @pecan.expose()
    def _lookup(self, subscription_id, *remainder):
        if remainder:
            pecan.abort(404)
        return SubscriptionController(subscription_id), remainder
