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
"""The services' side of the ingest benchmark, in a process of its own.

Reads the bodies of a mix (JSON lines of [service, topic, body]),
connects, declares each service's exchange as the services'
oslo.messaging does (a topic exchange, not durable), prints "ready", and
waits for a line on its standard input. Then it prints "start
<time.monotonic()>", publishes every body on its service's exchange
under "<topic>.info" as fast as one kombu producer can, and prints "end
<time.monotonic()> <its own CPU seconds>".

    _publisher.py AMQP_URL BODIES EXCHANGES_JSON [TOPICS_JSON]

EXCHANGES_JSON maps a service to its exchange; TOPICS_JSON, if given,
maps a topic to the one published on (the Ceilometer anchor listens on a
topic of its own).
"""

import json
import os
import socket
import sys
import time

import kombu


def main(url, path, exchanges, topics='{}'):
    exchanges, topics = json.loads(exchanges), json.loads(topics)
    with open(path) as f:
        bodies = [json.loads(line) for line in f]
    # py-amqp gives up on a socket that RabbitMQ has not read for 1 s
    # (TCP_USER_TIMEOUT); a loaded broker's flow control holds a fast
    # publisher longer than that. The kernel's default applies instead.
    connection = kombu.Connection(url, transport_options={
        'socket_settings': {socket.TCP_USER_TIMEOUT: 0}})
    producer = kombu.Producer(connection.default_channel)
    declared = {}
    for service, name in exchanges.items():
        declared[service] = kombu.Exchange(name, type='topic',
                                           durable=False)
        declared[service](producer.channel).declare()
    keys = {t: '%s.info' % topics.get(t, t) for _s, t, _b in bodies}
    print('ready', flush=True)
    sys.stdin.readline()
    print('start %r' % time.monotonic(), flush=True)
    for service, topic, body in bodies:
        producer.publish(body, exchange=declared[service],
                         routing_key=keys[topic],
                         content_type='application/json',
                         content_encoding='utf-8', declare=[])
    ended = time.monotonic()
    connection.release()
    times = os.times()
    print('end %r %r' % (ended, times.user + times.system), flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:])
