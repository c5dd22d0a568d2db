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
"""HTTP for the v1 managers: requests through a keystoneauth1 adapter."""

import datetime
import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
from oslo_utils import timeutils

from scsmeteringclient import exceptions
from scsmeteringclient import version

# Keystone service type of the API; doc/source/api/index.rst says why.
SERVICE_TYPE = 'usage-metering'
PREFIX = '/v1'


class HTTPClient:
    """Sends requests to the v1 API; error answers raise exceptions."""

    def __init__(self, session, service_type=SERVICE_TYPE, **kwargs):
        self.adapter = adapter.Adapter(
            session, service_type=service_type, client_name='scs-metering',
            client_version=version.version_info.version_string(), **kwargs)

    def request(self, method, path, secret=False, **kwargs):
        """The decoded JSON answer, None for an empty one.

        ``secret`` keeps the request out of keystoneauth1's debug log,
        which prints request bodies as they are.
        """
        response = self.send(method, path, 'application/json', secret,
                             **kwargs)
        if not response.content:
            return None
        return response.json()

    def send(self, method, path, accept, secret=False, **kwargs):
        """The response, of media type ``accept``; errors raise."""
        kwargs.setdefault('headers', {}).setdefault('Accept', accept)
        try:
            response = self.adapter.request(
                PREFIX + path, method, raise_exc=False, log=not secret,
                **kwargs)
        except ks_exc.EndpointNotFound:
            raise exceptions.EndpointNotFound(
                'No endpoint of service type %s in the service catalog '
                '(interface %s, region %s): register the metering API in '
                'Keystone, or give its URL as the endpoint override.' % (
                    self.adapter.service_type,
                    self.adapter.interface or 'public',
                    self.adapter.region_name or 'any'))
        if response.status_code >= 400:
            raise exceptions.from_response(response, method, path)
        return response


def next_marker(page):
    """The marker of the page after ``page``, None on the last page."""
    for link in page.get('links', ()):
        if link.get('rel') == 'next':
            query = urllib.parse.parse_qs(
                urllib.parse.urlsplit(link['href']).query)
            return query['marker'][-1]
    return None


def quote(value):
    return urllib.parse.quote(str(value), safe='')


def time(value):
    """A time parameter: a datetime (naive is UTC) or an ISO 8601 string.

    A datetime goes out as the API writes times: UTC with a Z, in whole
    seconds. (isoformat, not strftime: glibc's %Y writes year 1 as "1".)
    """
    if isinstance(value, datetime.datetime):
        value = timeutils.normalize_time(value).replace(microsecond=0)
        return value.isoformat() + 'Z'
    return value


class Manager:

    def __init__(self, http):
        self.http = http

    def _list(self, path, key, params=None, limit=None, marker=None):
        """Items of a paginated list, following the ``next`` links.

        Up to ``limit`` items when given, else all; the server may cap a
        page below what was asked, so pages are followed either way.
        """
        params = {k: v for k, v in (params or {}).items() if v is not None}
        items = []
        while True:
            if marker is not None:
                params['marker'] = marker
            if limit is not None:
                params['limit'] = limit - len(items)
            page = self.http.request('GET', path, params=params)
            items.extend(page[key])
            marker = next_marker(page)
            if marker is None or (limit is not None and len(items) >= limit):
                return items
