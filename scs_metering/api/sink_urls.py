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

A URL whose host is a link-local address or a cloud metadata host name
would make the engine post usage, and the sink's credentials, to the
metadata service of the machine it runs on. Only literal addresses and
known names are checked; a name resolving to such an address is the
HTTP driver's to refuse when it connects.
"""

import ipaddress
import socket
import urllib.parse

from scs_metering.api import exception

LINK_LOCAL = (ipaddress.ip_network('169.254.0.0/16'),
              ipaddress.ip_network('fe80::/10'))
METADATA_HOSTS = frozenset((
    'metadata', 'metadata.google.internal', 'metadata.goog',
    'metadata.internal', 'instance-data', 'instance-data.ec2.internal',
    'metadata.azure.com', 'metadata.platformequinix.com'))


def _address(host):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # Resolvers also take the legacy IPv4 forms: 2852039166,
        # 0xa9.0xfe.0xa9.0xfe, 169.254.43518.
        try:
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    mapped = getattr(address, 'ipv4_mapped', None)
    return mapped or address


def forbidden(url):
    """Why ``url`` may not be a sink's, or None if it may."""
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        return None  # not a URL at all: the driver says why
    if not host:
        return None
    host = host.rstrip('.').lower()
    address = _address(host.split('%')[0])
    if address is not None and any(address in net for net in LINK_LOCAL):
        return 'url: %s is a link-local address' % address
    if host in METADATA_HOSTS:
        return 'url: %s is a cloud metadata host' % host
    return None


def check(conf, url):
    if url is None or conf.api.allow_link_local_sinks:
        return
    reason = forbidden(url)
    if reason:
        raise exception.BadRequest(
            reason=reason + ' ([api] allow_link_local_sinks is off)')
