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
"""Where a sink may not connect: metadata, link-local and loopback hosts.

A sink pointing at the cloud metadata service of the machine the engine
runs on would post usage, and the sink's credentials, to it; one pointing
at loopback reaches the engine host's own services. The API checks a
sink's URL when it is written: literal addresses in every form a resolver
takes, known metadata names, and the addresses the name resolves to then.
A name may resolve elsewhere later (DNS rebinding), so the http(s) sinks
check the address each connection actually reached, before sending.
"""

import ipaddress
import socket

# Metadata services answer on link-local addresses (169.254.169.254,
# fe80::a9fe:a9fe) except these.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    'fd00:ec2::254',     # AWS over IPv6
    '100.100.100.200',   # Alibaba Cloud
))
METADATA_HOSTS = frozenset((
    'metadata', 'metadata.google.internal', 'metadata.goog',
    'metadata.internal', 'instance-data', 'instance-data.ec2.internal',
    'metadata.azure.com', 'metadata.platformequinix.com'))


class Forbidden(Exception):
    """A sink would reach an address the policy forbids."""


def literal(host):
    """The address a host written as a number means, or None for a name.

    Resolvers also take the legacy IPv4 forms: 2852039166, 0xa9fea9fe,
    0xa9.0xfe.0xa9.0xfe, 169.254.43518. An IPv4-mapped IPv6 address is
    its IPv4 address.
    """
    host = host.split('%')[0]  # an IPv6 zone
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    return getattr(address, 'ipv4_mapped', None) or address


class Policy:
    """Which addresses sinks may reach, from [api] options."""

    def __init__(self, link_local=False, loopback=True):
        self.link_local = link_local
        self.loopback = loopback

    @classmethod
    def from_conf(cls, conf):
        return cls(link_local=conf.api.allow_link_local_sinks,
                   loopback=conf.api.allow_loopback_sinks)

    @property
    def restricts(self):
        return not (self.link_local and self.loopback)

    def _kind(self, address):
        """What makes an address forbidden, or None."""
        if not self.link_local:
            if address in METADATA:
                return 'a cloud metadata address'
            if address.is_link_local:
                return 'a link-local address'
        # 0.0.0.0 and :: reach the host itself.
        if not self.loopback and (address.is_loopback or
                                  address.is_unspecified):
            return 'a loopback address'
        return None

    def host(self, host, port=None):
        """Why a URL's host may not be a sink's, or None.

        A name is resolved; one that does not resolve now passes, the
        http(s) sinks check where it leads when they connect.
        """
        host = host.rstrip('.').lower()
        if not self.restricts:
            return None
        if not self.link_local and host in METADATA_HOSTS:
            return '%s is a cloud metadata host' % host
        address = literal(host)
        if address is not None:
            kind = self._kind(address)
            return kind and '%s is %s' % (address, kind)
        try:
            found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None
        for address in (literal(info[4][0]) for info in found):
            kind = self._kind(address)
            if kind:
                return '%s resolves to %s, %s' % (host, address, kind)
        return None

    def connected(self, sock):
        """Raise Forbidden unless a connected socket may be used."""
        address = literal(sock.getpeername()[0])
        kind = self._kind(address)
        if kind:
            raise Forbidden('connected to %s, %s' % (address, kind))
