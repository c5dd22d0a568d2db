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
"""What the billing controllers share: views, errors, catalog, pages.

The billing core (scs_metering.rating) checks every document and names
the field at fault; these helpers turn its errors into 400 answers and
read from storage what it needs, parsed.
"""

from scs_metering.api import exception
from scs_metering.api import render
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.rating import errors
from scs_metering.rating import plans as plans_
from scs_metering.rating import pricelist


def invalid(exc):
    """The 400 of a billing core error, its field path and reason."""
    return exception.InvalidBody(reason=str(exc))


def time(document, name, path):
    """A time field of a body, None if absent; 400 naming ``path``."""
    if name not in document:
        return None
    try:
        return timeutils.parse(document[name])
    except (ValueError, OverflowError) as exc:
        raise exception.InvalidBody(reason='%s: %s' % (path, exc))


def view(request, document, path):
    """A JSON view with times and decimals as strings, and a self link."""
    found = render.jsonable(document)
    found['links'] = [{'rel': 'self', 'href': '%s/v1/%s' % (
        request.application_url, path)}]
    return found


def page(request, name, items, values, key):
    """A page of a list held in memory, sorted by ``key``.

    The catalog is small (price lists, plans, subscriptions), so it is
    read whole and cut here, with the marker and links of the others.
    """
    limit = validation.limit(request, values)
    if 'marker' in values:
        keys = [key(item) for item in items]
        if values['marker'] not in keys:
            raise exception.InvalidParameter(
                name='marker', reason='no item has this id')
        items = items[keys.index(values['marker']) + 1:]
    return validation.page(request, name, items[:limit + 1], limit, key)


def price_list(storage, price_list_id, field=None):
    """The stored price list; 404, or 400 naming ``field`` if given."""
    try:
        return storage.price_list(price_list_id)
    except db_api.NotFound:
        if field:
            raise exception.InvalidBody(reason='%s: no price list has id '
                                        '%s' % (field, price_list_id))
        raise exception.NotFound(kind='Price list', id=price_list_id)


def plan(storage, plan_id, field=None):
    """The parsed plan; 404, or 400 naming ``field`` if given."""
    try:
        return plans_.parse_plan(storage.plan(plan_id).document)
    except db_api.NotFound:
        if field:
            raise exception.InvalidBody(reason='%s: no plan has id %s' % (
                field, plan_id))
        raise exception.NotFound(kind='Plan', id=plan_id)


def catalog(storage, named):
    """(plans, price lists) that rating needs, parsed.

    ``named`` holds (field, plan id) pairs: a plan that does not exist
    is a 400 naming its field.
    """
    plans, lists = {}, {}
    for field, plan_id in named:
        found = plans[plan_id] = plan(storage, plan_id, field)
        if found.price_list not in lists:
            try:
                lists[found.price_list] = pricelist.from_stored(
                    price_list(storage, found.price_list))
            except errors.DocumentError as exc:
                # Stored versions were checked when published.
                raise exception.Conflict(reason='price list %s: %s' % (
                    found.price_list, exc))
    return plans, lists
