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
"""Where a sink created through the API may not point.

See publisher/addresses.py: literal addresses, metadata host names, and
the addresses a name resolves to when the sink is written are checked
here; the http(s) sinks check again where each connection leads.
"""

import urllib.parse

from scs_metering.api import exception
from scs_metering.publisher import addresses


def forbidden(url, policy=None):
    """Why ``url`` may not be a sink's, or None if it may."""
    try:
        parsed = urllib.parse.urlsplit(url)
        host, port = parsed.hostname, parsed.port
    except ValueError:
        return None  # not a URL at all: the driver says why
    if not host:
        return None
    reason = (policy or addresses.Policy()).host(host, port)
    return reason and 'url: %s' % reason


def check(conf, url):
    policy = addresses.Policy.from_conf(conf)
    if url is None or not policy.restricts:
        return
    reason = forbidden(url, policy)
    if reason:
        raise exception.BadRequest(reason=reason + (
            ' (see [api] allow_link_local_sinks and allow_loopback_sinks)'))
