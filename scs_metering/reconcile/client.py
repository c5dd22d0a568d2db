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
"""Calls to the services' APIs: one keystoneauth session, paged listings.

Every listing is a generator of pages, so a million resources never sit in
memory at once. A listing either reaches its last page or raises
ListingError: a caller can tell a complete listing from a broken one,
which is what keeps an outage from looking like mass deletion.
"""

from urllib import parse

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading

from scs_metering.conf import service_credentials

GROUP = service_credentials.GROUP.name

# Where each API puts the link to the next page.
LINKS = 'links'  # "<collection>_links": [{"rel": "next", "href": ...}]
NEXT = 'next'  # top-level "next": "/v2/images?marker=..." (glance)
LINKS_NEXT = 'links.next'  # "links": {"next": url} (designate, keystone)


class ListingError(Exception):
    """A listing that did not reach its end. The text says why."""


class Cloud:
    """The session and endpoints of the cloud being reconciled."""

    def __init__(self, conf):
        self.conf = conf
        auth = ks_loading.load_auth_from_conf_options(conf, GROUP)
        # One session for every call: it keeps the token and connections.
        self.session = ks_loading.load_session_from_conf_options(
            conf, GROUP, auth=auth)
        self._adapters = {}

    def close(self):
        self.session.close()

    def adapter(self, service_type):
        if service_type not in self._adapters:
            self._adapters[service_type] = (
                ks_loading.load_adapter_from_conf_options(
                    self.conf, GROUP, session=self.session,
                    service_type=service_type))
        return self._adapters[service_type]

    def endpoint(self, service_type):
        """The catalog URL of a service, for calls that build their own."""
        try:
            return self.adapter(service_type).get_endpoint()
        except ks_exc.ClientException as exc:
            raise ListingError('%s: no endpoint: %s' % (service_type, exc))

    def request(self, service_type, method, path, **kwargs):
        try:
            return self.adapter(service_type).request(path, method,
                                                      **kwargs)
        except ks_exc.ClientException as exc:
            raise ListingError('%s %s %s: %s' % (service_type, method, path,
                                                 _describe(exc)))

    def pages(self, service_type, path, collection, params=None,
              headers=None, style=LINKS):
        """Yield the items of a collection page by page, to its end."""
        params = dict(params or {})
        seen_markers = set()
        while True:
            response = self.request(service_type, 'GET', path,
                                    params=params, headers=headers)
            body = _json(response, service_type, path)
            items = body.get(collection)
            if not isinstance(items, list):
                raise ListingError('%s %s: the answer has no %r list' % (
                    service_type, path, collection))
            yield items
            following = _next_params(body, collection, style)
            if following is None:
                return
            marker = following.get('marker')
            if marker in seen_markers:
                raise ListingError('%s %s: the next page repeats marker %r'
                                   % (service_type, path, marker))
            seen_markers.add(marker)
            params.update(following)


def _describe(exc):
    status = getattr(exc, 'http_status', None)
    return '%s%s' % ('HTTP %s: ' % status if status else '',
                     exc.__class__.__name__ if not str(exc) else exc)


def _json(response, service_type, path):
    try:
        body = response.json()
    except ValueError:
        raise ListingError('%s %s: the answer is not JSON' % (
            service_type, path))
    if not isinstance(body, dict):
        raise ListingError('%s %s: the answer is not a JSON object' % (
            service_type, path))
    return body


def _next_params(body, collection, style):
    """Query parameters of the next page, or None on the last one.

    Only the query of a next link is used, against our own endpoint: the
    href's host is whatever the API was told it is, which need not be the
    address we reach it at.
    """
    if style == LINKS:
        links = body.get('%s_links' % collection) or []
        href = next((link.get('href') for link in links
                     if isinstance(link, dict) and link.get('rel') == 'next'),
                    None)
    elif style == NEXT:
        href = body.get('next')
    else:
        links = body.get('links')
        href = links.get('next') if isinstance(links, dict) else None
    if not href:
        return None
    query = dict(parse.parse_qsl(parse.urlsplit(href).query,
                                 keep_blank_values=True))
    if 'marker' not in query:
        raise ListingError('next link without a marker: %s' % href)
    return query
