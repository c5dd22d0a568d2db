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
"""The metering API as the panels call it.

``client(request)`` is ``scsmeteringclient`` on a keystoneauth1 session
holding the user's token and the endpoint Horizon's catalog gives, as
Horizon's own wrappers build theirs. The other functions take that client,
not a request: the recording tool (tests/record.py) calls them with a
client of its own, so the answers the view tests replay are those of the
very requests the panels make.

This module, and enabled/_33000_scs_metering.py which names the client's
errors for Horizon, are the only ones that import ``scsmeteringclient``:
when the client becomes a distribution of its own, they are what
changes.
"""

from django.conf import settings
from horizon.utils import memoized
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session
from keystoneauth1 import token_endpoint
from openstack_auth import utils as auth_utils
from openstack_dashboard.api import base

from scsmeteringclient import exceptions
from scsmeteringclient.v1 import base as client_base
from scsmeteringclient.v1 import client as v1_client

SERVICE_TYPE = client_base.SERVICE_TYPE
# What a call to the API can raise: the API's answers, and keystoneauth1's
# own failures (connection refused, timeout, no catalog entry).
ERRORS = (exceptions.ClientException, ks_exc.ClientException)
Forbidden = exceptions.Forbidden
NotFound = exceptions.NotFound


@memoized.memoized
def client(request):
    """The v1 client of this request's user, token and region."""
    endpoint = base.url_for(request, SERVICE_TYPE)
    verify = settings.OPENSTACK_SSL_CACERT or True
    if settings.OPENSTACK_SSL_NO_VERIFY:
        verify = False
    http = session.Session(
        auth=token_endpoint.Token(endpoint, request.user.token.id),
        original_ip=auth_utils.get_client_ip(request), verify=verify,
        timeout=getattr(settings, 'SCS_METERING_API_TIMEOUT', 30))
    return v1_client.Client(http, endpoint_override=endpoint)


def error_text(error):
    """What a user reads about a failed call: no traceback, no jargon."""
    if isinstance(error, exceptions.Forbidden):
        return 'The metering API does not allow you this: %s' % error
    if isinstance(error, exceptions.ClientException):
        return 'The metering API refused the request: %s' % error
    return 'The metering API could not be reached: %s' % error


# The project's usage

def usage(api, start, end, group_by):
    """The usage report of the token's project for [start, end)."""
    return api.usage.get(start=start, end=end, group_by=group_by)


def usage_series(api, buckets, group_by):
    """The report of each (start, end) bucket, in order.

    One request per bucket: the API reports a range, not a series, so
    each bar of a chart is the API's own answer for its bucket.
    """
    return [(start, usage(api, start, end, group_by))
            for start, end in buckets]


def resources_page(api, start, end, limit, marker=None):
    """(resources, more?) of the token's project alive in [start, end)."""
    found = api.resources.list(start=start, end=end, limit=limit + 1,
                               marker=marker)
    return found[:limit], len(found) > limit


# Sinks

def sinks_page(api, limit, marker=None):
    """(sinks, each with its delivery status, more?)."""
    found = api.sinks.list(limit=limit + 1, marker=marker)
    return ([dict(sink, status=api.sinks.status(sink['id']))
             for sink in found[:limit]], len(found) > limit)


def sink(api, sink_id):
    """A sink with its delivery status."""
    return dict(api.sinks.get(sink_id), status=api.sinks.status(sink_id))


def dead_letters_page(api, sink_id, limit, marker=None):
    found = api.sinks.dead_letters(sink_id, limit=limit + 1, marker=marker)
    return found[:limit], len(found) > limit


def pause(api, sink_id):
    return api.sinks.pause(sink_id)


def resume(api, sink_id):
    return api.sinks.resume(sink_id)


def retry(api, sink_id, ids=None):
    """Make dead letters pending again; returns how many."""
    return api.sinks.retry(sink_id, ids)['retried']


# Quarantine

def quarantine_page(api, limit, marker=None, service=None):
    """(entries, more?): notifications that could not become usage."""
    found = api.quarantine.list(service=service, limit=limit + 1,
                                marker=marker)
    return found[:limit], len(found) > limit


def quarantine_entry(api, entry_id):
    """One entry with its raw message as stored."""
    return api.quarantine.get(entry_id)


def retry_quarantined(api, entry_id=None):
    """Meter one entry, or every entry, again; the API's report."""
    if entry_id is None:
        return api.quarantine.retry_many()
    return api.quarantine.retry(entry_id)


# Service health

def status(api):
    return api.status.get()


# Probes: the cheapest call of each panel, asked once per token to learn
# whether the API's policy lets the user use it (see access.py).

def probe_usage(api):
    # A one-second range in 1970 holds no usage: the answer is empty, but
    # the policy check is the one of any usage report.
    return api.usage.get(start='1970-01-01T00:00:00Z',
                         end='1970-01-01T00:00:01Z')


def probe_sinks(api):
    return api.sinks.list(limit=1)


def probe_quarantine(api):
    return api.quarantine.list(limit=1)


PROBES = {'usage': probe_usage, 'sinks': probe_sinks, 'health': status,
          'quarantine': probe_quarantine}
