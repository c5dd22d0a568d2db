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
"""What a sink may not write to: the host's files and the service itself.

Whoever may define a sink (a cloud admin, through the API) must not gain
the engine's own rights by it. So:

- a ``file`` sink writes only below ``[publisher] file_sink_dirs``, never
  to the service's own SQLite database;
- an ``sql`` sink never names the service's own database, where its rows
  would sit beside, or in, the tables that bill;
- an ``amqp`` sink never publishes onto the topics the service itself
  consumes on its own buses (a service's notification topics in its
  exchange, or the internal topic), where its records would come back as
  notifications.

Drivers take a Confinement in ``Sink.confine`` and raise SinkError with
the reason; the API answers it with 400, the engine refuses to deliver to
such a sink and shows why in its status.
"""

import os
import socket
import urllib.parse

from scs_metering.conf import notification

LOOPBACK = frozenset(('localhost', '127.0.0.1', '::1', '0.0.0.0', '::', ''))
DEFAULT_PORTS = {'postgresql': 5432, 'mysql': 3306, 'rabbit': 5672,
                 'amqp': 5672, 'kafka': 9092}


def _addresses(host):
    """Every address a host name stands for, itself if it resolves not."""
    host = (host or '').lower().strip('[]')
    if host in LOOPBACK:
        return {'loopback'}
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return {host}
    return {'loopback' if a.startswith('127.') or a == '::1' else a
            for a in found} | {host}


def same_host(one, other):
    return bool(_addresses(one) & _addresses(other))


def sqlite_file(url):
    """The real path of an sqlite:/// URL's file, else None."""
    scheme, _, rest = (url or '').partition(':///')
    path = rest.partition('?')[0]
    if scheme.split('+')[0] != 'sqlite' or not path or path == ':memory:':
        return None
    return os.path.realpath(path)


class Confinement:
    """The service's own places, from its configuration."""

    def __init__(self, file_dirs=(), database=None, buses=(),
                 consumed=()):
        # Real paths with a trailing separator: /srv/a is not in /srv/ab.
        self.file_dirs = [os.path.join(os.path.realpath(d), '')
                          for d in file_dirs]
        self.database = database  # the service's, an SQLAlchemy URL
        self.buses = list(buses)  # oslo.messaging transport URLs
        self.consumed = set(consumed)  # (exchange, topic)

    @classmethod
    def from_conf(cls, conf):
        buses = [conf.transport_url, conf.engine.transport_url]
        consumed = {(conf.engine.exchange, conf.engine.topic)}
        for service in conf.notification.enabled_services:
            buses.append(notification.transport_url(conf, service))
            exchange = notification.exchange(conf, service)
            consumed.update((exchange, t) for t in conf.notification.topics)
        return cls(conf.publisher.file_sink_dirs, conf.database.connection,
                   [b for b in buses if b], consumed)

    # file sinks

    def file(self, path):
        """Why a file sink may not write ``path``, or None."""
        real = os.path.realpath(path)
        own = sqlite_file(self.database)
        if own and real in (own, own + '-journal', own + '-wal',
                            own + '-shm'):
            return '%s is the service\'s own database' % path
        if not self.file_dirs:
            return ('file sinks are disabled: [publisher] file_sink_dirs '
                    'is empty')
        if not any(real.startswith(d) for d in self.file_dirs):
            return '%s is outside [publisher] file_sink_dirs (%s)' % (
                path, ', '.join(d.rstrip(os.sep) or os.sep
                                for d in self.file_dirs))
        return None

    # amqp sinks

    def topic(self, url, exchange, topic):
        """Why an amqp sink may not publish there, or None."""
        if (exchange, topic) not in self.consumed:
            return None
        for bus in self.buses:
            if same_bus(url, bus):
                return ('exchange %s, topic %s is consumed by the service '
                        'itself on that bus; its records would come back '
                        'as notifications' % (exchange, topic))
        return None


def _brokers(url):
    """((host, port), ...) and the virtual host of a transport URL.

    oslo.messaging URLs list several brokers: rabbit://u:p@a:5672,b/vhost.
    """
    parsed = urllib.parse.urlsplit(url)
    default = DEFAULT_PORTS.get(parsed.scheme.split('+')[0], 5672)
    hosts = []
    for part in parsed.netloc.split(','):
        one = urllib.parse.urlsplit('//' + part.rpartition('@')[2])
        hosts.append((one.hostname or '', one.port or default))
    return hosts, parsed.path.lstrip('/') or '/'


def same_bus(one, other):
    """Whether two transport URLs reach one virtual host of one broker."""
    try:
        hosts, vhost = _brokers(one)
        theirs, their_vhost = _brokers(other)
    except ValueError:
        return False
    if vhost != their_vhost:
        return False
    return any(port == their_port and same_host(host, their_host)
               for host, port in hosts for their_host, their_port in theirs)
