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
"""The notification agent: the service scs-metering-agent runs."""

import os
import threading

from oslo_log import log
import oslo_messaging
from oslo_service import service as os_service

from scs_metering.agent import converter
from scs_metering.agent import deadletter
from scs_metering.agent import endpoint
from scs_metering.agent import forwarder
from scs_metering.common import periodic
from scs_metering.conf import notification
from scs_metering.definitions import guards
from scs_metering.definitions import loader
from scs_metering import messaging
from scs_metering import metrics

LOG = log.getLogger(__name__)
BINARY = 'scs-metering-agent'


class NotificationAgent(os_service.ServiceBase):
    """Listens to each enabled service's notifications in its own pool."""

    def __init__(self, conf):
        super().__init__()
        self.conf = conf
        self.listeners = []
        self.forwarder = None
        self.dead_letters = []
        self.heartbeat = None
        self.writer = None
        self._stopped = threading.Event()
        self.definitions = loader.load(conf)
        # The forking launcher restarts the workers on SIGHUP instead of
        # calling reset(); this hook reloads in the parent first, so the new
        # workers start with definitions that were checked.
        conf.register_mutate_hook(lambda _conf, _changed: self.reset())

    def _targets(self, service_name):
        exchange = notification.exchange(self.conf, service_name)
        return [oslo_messaging.Target(exchange=exchange, topic=topic)
                for topic in self.conf.notification.topics]

    def start(self):
        # Everything is built here, in the worker process, never in the
        # parent that forks the workers.
        self.writer = metrics.start_writer(self.conf, 'agent')
        definitions = self.definitions
        self.forwarder = forwarder.Forwarder(self.conf)
        convert = converter.Converter(
            definitions, guards.EventGuard.from_conf(self.conf, definitions))
        metered = set(definitions.services)
        buses, listened = set(), []
        for name in self.conf.notification.enabled_services:
            if name not in metered:
                LOG.warning('Service %s is enabled but no definition '
                            'meters it; not listening to it', name)
                continue
            if notification.exchange(self.conf, name) is None:
                LOG.error('Service %s is enabled but [notification] '
                          'exchanges does not name its exchange; not '
                          'listening to it', name)
                continue
            listener = oslo_messaging.get_batch_notification_listener(
                messaging.source_transport(self.conf, name),
                self._targets(name),
                [endpoint.NotificationEndpoint(name, convert,
                                               self.forwarder)],
                executor='threading', allow_requeue=True,
                pool='%s.%s' % (self.conf.agent.pool, name),
                batch_size=self.conf.agent.batch_size,
                batch_timeout=self.conf.agent.batch_timeout)
            listener.start()
            self.listeners.append(listener)
            listened.append(name)
            buses.add(notification.transport_url(self.conf, name) or
                      self.conf.transport_url)
            LOG.info('Listening to %s notifications on %s', name,
                     ', '.join('%s/%s' % (t.exchange, t.topic)
                               for t in self._targets(name)))
        for url in sorted(u for u in buses if u and u.startswith(
                ('rabbit://', 'kombu://'))):
            consumer = deadletter.DeadLetterConsumer(
                self.conf, deadletter.kombu_url(self.conf, url),
                self.forwarder)
            consumer.start()
            self.dead_letters.append(consumer)
        self.heartbeat = periodic.Heartbeat(
            self.forwarder.heartbeat, '%s:%d' % (self.conf.host, os.getpid()),
            BINARY, {'pid': os.getpid(), 'services': listened})
        self.heartbeat.start()

    def stop(self, graceful=True):
        # Stop taking messages, then let the batches in flight finish: a
        # batch is acknowledged only once forwarded.
        for listener in self.listeners:
            listener.stop()
        for listener in self.listeners:
            listener.wait()
        for consumer in self.dead_letters:
            consumer.stop()
        for consumer in self.dead_letters:
            consumer.join(10)
        if self.heartbeat is not None:
            self.heartbeat.stop()
            self.heartbeat.join(10)
        if self.forwarder is not None:
            self.forwarder.cleanup()
        if self.writer is not None:
            self.writer.stop()
        self._stopped.set()
        LOG.info('Notification agent stopped')

    def wait(self):
        self._stopped.wait()

    def reset(self):
        self.definitions = loader.reload(self.conf, self.definitions)
