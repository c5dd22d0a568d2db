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
"""Quarantine for messages oslo.messaging cannot decode.

oslo.messaging rejects a message whose body is not valid JSON before any
endpoint sees it. RabbitMQ then drops it, unless the queue has a
dead-letter exchange. The deployment gives the agent's queues one through
a policy (see the admin guide), and this consumer turns every dead letter
into a quarantine entry, forwarded like any other.
"""

import threading
import urllib.parse

import kombu
from oslo_log import log
import oslo_messaging

from scs_metering.agent import envelope
from scs_metering import events

LOG = log.getLogger(__name__)


def exchange_name(conf):
    return '%s.dlx' % conf.agent.pool


def queue_name(conf):
    return '%s.undecodable' % conf.agent.pool


def kombu_url(conf, url):
    """The oslo.messaging transport URL as kombu's failover URL list."""
    parsed = oslo_messaging.TransportURL.parse(conf, url)
    virtual_host = urllib.parse.quote(parsed.virtual_host or '', safe='')
    urls = []
    for host in parsed.hosts:
        urls.append('amqp://%s:%s@%s:%s/%s' % (
            urllib.parse.quote(host.username or 'guest', safe=''),
            urllib.parse.quote(host.password or 'guest', safe=''),
            host.hostname, host.port or 5672, virtual_host))
    return ';'.join(urls)


def _death(message):
    deaths = (message.headers or {}).get('x-death') or [{}]
    return deaths[0]


def _reason(death):
    return ('undecodable message, rejected by oslo.messaging (queue %s, '
            'routing key %s)' % (death.get('queue', '?'),
                                 ', '.join(death.get('routing-keys', []))))


class DeadLetterConsumer(threading.Thread):
    """Consumes the dead-letter queue until stopped."""

    def __init__(self, conf, url, forwarder):
        super().__init__(name='scs-metering-deadletter', daemon=True)
        self.forwarder = forwarder
        self.url = url
        self._stop_event = threading.Event()
        self.exchange = kombu.Exchange(exchange_name(conf), type='fanout',
                                       durable=True)
        self.queue = kombu.Queue(queue_name(conf), exchange=self.exchange,
                                 durable=True)

    def _on_message(self, message):
        body = message.body
        death = _death(message)
        # The agent's queues are named "<pool>.<service>".
        service = death.get('queue', '').rpartition('.')[2] or None
        reason = _reason(death)
        problem = events.undecodable(body)
        if problem is None:
            try:
                envelope.parse(body)
            except envelope.MalformedMessage as exc:
                problem = str(exc)
        if problem:
            reason = '%s: %s' % (reason, problem)
        entry = events.Quarantined(reason=reason, raw=events.raw_text(body),
                                   service=service)
        try:
            self.forwarder.forward(None, [], [entry])
        except Exception:
            LOG.exception('Cannot forward a dead letter; requeued')
            message.requeue()
            return
        LOG.warning('Quarantined an undecodable message: %s', entry.reason)
        message.ack()

    def run(self):
        while not self._stop_event.is_set():
            try:
                with kombu.Connection(self.url) as connection:
                    # on_message gets the raw body: decoding it is what
                    # failed in the first place.
                    with connection.Consumer(self.queue,
                                             on_message=self._on_message,
                                             no_ack=False) as consumer:
                        consumer.qos(prefetch_count=10)
                        while not self._stop_event.is_set():
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                pass
            except Exception:
                LOG.exception('Dead-letter consumer lost its connection')
                self._stop_event.wait(5)

    def stop(self):
        self._stop_event.set()
