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
"""/v1/price-lists: currencies and immutable, dated versions of prices.

A version is published once and never edited; a change is a new version
from a later ``effective_from``. A version that takes effect in the past
re-rates usage already rated, so it needs ``force`` and a ``reason``,
which are kept with it. The rating core checks every price and refuses
two prices that could rate one record, naming both.
"""

import pecan

from scs_metering.api import billing
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.rating import currency
from scs_metering.rating import errors
from scs_metering.rating import pricelist


def _version_view(request, version):
    document = {
        'price_list_id': version.price_list_id, 'number': version.number,
        'effective_from': version.effective_from,
        'description': version.description, 'forced': version.forced,
        'force_reason': version.force_reason,
        'created_at': version.created_at, 'prices': list(version.prices)}
    return billing.view(request, document, 'price-lists/%s/versions/%d' % (
        version.price_list_id, version.number))


def _view(request, stored, prices=True):
    versions = [_version_view(request, v) for v in stored.versions]
    if not prices:
        for version in versions:
            del version['prices']
    return billing.view(request, {
        'id': stored.id, 'currency': stored.currency,
        'description': stored.description, 'created_at': stored.created_at,
        'versions': versions}, 'price-lists/%s' % stored.id)


def publish(request, stored, body, now):
    """Check a version document against its list; the parsed version."""
    document = {k: body[k] for k in ('effective_from', 'prices',
                                     'description') if k in body}
    try:
        version = pricelist.parse_version(document,
                                          request.definitions.meters)
        pricelist.check_effective_from(version.effective_from, now,
                                       body.get('force', False),
                                       body.get('reason'))
        # The list with the new version: one version per instant, and
        # a price id keeps its meter and unit from version to version.
        pricelist.PriceList(stored.id, stored.currency, pricelist.from_stored(
            stored).versions + (version,))
    except errors.DocumentError as exc:
        raise billing.invalid(exc)
    if body.get('force') and version.effective_from >= now:
        raise exception.InvalidBody(reason='force is for a version that '
                                    'takes effect in the past; this one '
                                    'takes effect at %s' % (
                                        timeutils.isoformat(
                                            version.effective_from)))
    return version


class VersionController:

    def __init__(self, price_list_id, number):
        self.price_list_id = price_list_id
        self.number = number

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'price_list:show')
        validation.query(request, {})
        stored = billing.price_list(request.storage, self.price_list_id)
        for version in stored.versions:
            if str(version.number) == self.number:
                return _version_view(request, version)
        raise exception.NotFound(kind='Version', id='%s of price list %s' % (
            self.number, self.price_list_id))


class VersionsController:

    def __init__(self, price_list_id):
        self.price_list_id = price_list_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'price_list:show')
        validation.query(request, {})
        stored = billing.price_list(request.storage, self.price_list_id)
        return {'versions': [_version_view(request, v)
                             for v in stored.versions]}

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'price_list:publish')
        body = validation.body(request, schemas.PRICE_LIST_VERSION_CREATE,
                               exact=True)
        stored = billing.price_list(request.storage, self.price_list_id)
        now = timeutils.utcnow()
        version = publish(request, stored, body, now)
        try:
            added = request.storage.add_price_list_version(
                stored.id, version.effective_from, [
                    p.document() for p in version.prices], now,
                description=version.description,
                forced=bool(body.get('force')),
                force_reason=body.get('reason') if body.get('force')
                else None)
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        document = _version_view(request, added)
        pecan.response.status = 201
        pecan.response.location = document['links'][0]['href']
        return document

    @pecan.expose()
    def _lookup(self, number, *remainder):
        if remainder:
            pecan.abort(404)
        return VersionController(self.price_list_id, number), remainder


class PriceListController:

    def __init__(self, price_list_id):
        self.price_list_id = price_list_id
        self.versions = VersionsController(price_list_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'price_list:show')
        validation.query(request, {})
        return _view(request, billing.price_list(request.storage,
                                                 self.price_list_id))


class PriceListsController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'price_list:list')
        values = validation.query(request, schemas.CATALOG_QUERY)
        found = [_view(request, p, prices=False)
                 for p in request.storage.price_lists()]
        return billing.page(request, 'price_lists', found, values,
                            lambda p: p['id'])

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'price_list:create')
        body = validation.body(request, schemas.PRICE_LIST_CREATE,
                               exact=True)
        try:
            currency.minor_units(body['currency'])
        except ValueError as exc:
            raise exception.InvalidBody(reason='currency: %s' % exc)
        try:
            stored = request.storage.create_price_list(
                body['id'], body['currency'], body.get('description'),
                timeutils.utcnow())
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        document = _view(request, stored)
        pecan.response.status = 201
        pecan.response.location = document['links'][0]['href']
        return document

    @pecan.expose()
    def _lookup(self, price_list_id, *remainder):
        return PriceListController(price_list_id), remainder
