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
"""The agent and the engine as real processes, and the bus nova talks to.

Every pipeline gets its own nova exchange, agent pool, internal topic and
dead-letter exchange, so that tests run in parallel on one RabbitMQ.
"""

import glob
import json
import os
import signal
import subprocess
import time
import uuid

from amqp import exceptions as amqp_exc
import fixtures
import kombu
from testtools import content

from scs_metering.conf import notification
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base as functional

VERSIONED = 'versioned_notifications'
LEGACY = 'notifications'


class Timeout(AssertionError):
    pass


def wait_for(check, timeout=30, interval=0.05, what=None):
    """Poll ``check`` until it returns something true; return that.

    Fails with the last value seen, which says how far things got.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout('%s not reached in %ss; last value: %r' % (
                what or getattr(check, '__name__', 'condition'), timeout,
                value))
        time.sleep(interval)


def amqp_url(url):
    """kombu's form of an oslo.messaging rabbit:// URL."""
    return 'amqp://' + url.split('://', 1)[1].rstrip('/') + '//'


class Broker:
    """The test's own connection to RabbitMQ: publish as nova does, look."""

    def __init__(self, url=functional.RABBIT_URL):
        self.connection = kombu.Connection(amqp_url(url))

    def close(self):
        self.connection.release()

    def publish(self, exchange, topic, message, priority='info'):
        """Send a notification as oslo.messaging 2.0 does.

        A dict is the inner message: it goes in the envelope, JSON-encoded.
        A str is sent as it is, to play a broken publisher.
        """
        if isinstance(message, dict):
            message = json.dumps(fx.envelope(message))
        self.publish_many(exchange, topic, [message], priority)

    def publish_many(self, exchange, topic, bodies, priority='info'):
        """Send AMQP bodies (JSON text) in a row, on one channel."""
        producer = kombu.Producer(self.connection.default_channel)
        # nova's oslo.messaging declares the exchange like the agent does:
        # a topic exchange, durable as [oslo_messaging_rabbit] says (no).
        target = kombu.Exchange(exchange, type='topic', durable=False)
        target(producer.channel).declare()
        for body in bodies:
            producer.publish(body, exchange=target,
                             routing_key='%s.%s' % (topic, priority),
                             content_type='application/json',
                             content_encoding='utf-8', declare=[])

    def queue(self, name):
        """(ready messages, consumers) of a queue, or None if it is absent."""
        with self.connection.channel() as channel:
            try:
                _name, messages, consumers = channel.queue_declare(
                    queue=name, passive=True)
            except amqp_exc.NotFound:
                return None
        return messages, consumers

    def notifications(self, queue):
        """The oslo.messaging messages waiting in a queue, taken off it."""
        found = []
        with self.connection.channel() as channel:
            while True:
                message = channel.basic_get(queue, no_ack=True)
                if message is None:
                    return found
                envelope = json.loads(message.body)
                found.append(json.loads(envelope['oslo.message']))

    def delete(self, queues=(), exchanges=()):
        with self.connection.channel() as channel:
            for name in queues:
                channel.queue_delete(name)
            for name in exchanges:
                channel.exchange_delete(name)


def rabbitmqctl(*args):
    subprocess.run(('rabbitmqctl',) + args, check=True, capture_output=True,
                   timeout=60)


class Service:
    """One scs-metering command running in its own process."""

    def __init__(self, name, config, directory):
        self.name = name
        self.configs = [config]
        self.log = os.path.join(directory, '%s.log' % name)
        self.process = None

    def start(self):
        assert self.process is None, '%s is running' % self.name
        command = [base.console_script('scs-metering-%s' % self.name),
                   '--log-file', self.log]
        for path in self.configs:
            command += ['--config-file', path]
        # Its own process group: the launcher forks the worker, and a
        # crash takes both.
        self.process = subprocess.Popen(
            command, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log + '.stderr', 'ab'))

    def running(self):
        return self.process is not None and self.process.poll() is None

    def terminate(self):
        """SIGTERM, as an init system stops it."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout=30):
        """SIGTERM, then wait; return the exit code."""
        if self.process is None:
            return None
        self.terminate()
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError('%s ignored SIGTERM for %ss' % (self.name,
                                                                 timeout))
        finally:
            self.process = None
        return code

    def kill(self):
        """SIGKILL to the launcher and its workers: no cleanup, no ack."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def workers(self):
        """Process ids of the workers the launcher forked."""
        found = []
        for path in glob.glob('/proc/%d/task/*/children' % self.pid):
            with open(path) as f:
                found.extend(int(pid) for pid in f.read().split())
        return sorted(found)

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    @property
    def pid(self):
        return self.process.pid


# What the tests need: windows close at once, batches go quickly.
FAST = {
    'agent': {'batch_size': 50, 'batch_timeout': 0.1},
    'engine': {'batch_size': 64, 'batch_timeout': 0.1, 'settle_delay': 0,
               'close_interval': 1},
    'publisher': {'interval': 0.2},
}


def render(sections):
    """The text of a configuration file."""
    return ''.join('[%s]\n%s\n' % (name, ''.join(
        '%s = %s\n' % item for item in sorted(options.items())))
        for name, options in sections.items())


class Pipeline(fixtures.Fixture):
    """nova's bus -> agent -> internal topic -> engine -> database.

    ``options`` ({section: {option: value}}) replace the FAST ones; the
    logs go with the failures of ``test``, if given.
    """

    def __init__(self, test, database_url, options=FAST):
        super().__init__()
        self.test = test
        self.database_url = database_url
        self.options = options
        self.uid = uuid.uuid4().hex[:10]
        self.pool = 'scs-metering-%s' % self.uid
        self.nova_exchange = 'nova-%s' % self.uid
        self.topic = 'scs_metering_events_%s' % self.uid
        self.exchange = 'scs_metering_%s' % self.uid

    def _sections(self):
        sections = {
            'DEFAULT': {'transport_url': functional.RABBIT_URL,
                        'state_path': self.directory, 'host': self.uid},
            'database': {'connection': self.database_url},
            'notification': {'enabled_services': 'nova',
                             'nova_exchange': self.nova_exchange},
            'agent': {'pool': self.pool},
            'engine': {'topic': self.topic, 'exchange': self.exchange},
        }
        for name, options in self.options.items():
            sections.setdefault(name, {}).update(options)
        return sections

    @property
    def source_queue(self):
        # oslo.messaging names a pool listener's queue after the pool.
        return '%s.nova' % self.pool

    @property
    def internal_queue(self):
        return '%s.info' % self.topic

    @property
    def dead_letter_exchange(self):
        return '%s.dlx' % self.pool

    def _setUp(self):
        self.directory = self.useFixture(fixtures.TempDir()).path
        self.config = os.path.join(self.directory, 'scs-metering.conf')
        with open(self.config, 'w') as f:
            f.write(render(self._sections()))
        self.broker = Broker()
        self.addCleanup(self.broker.close)
        # Tests may enable more services; deleting a queue that does not
        # exist is no error.
        self.addCleanup(self.broker.delete, queues=[
            '%s.%s' % (self.pool, name) for name in sorted(
                notification.SERVICES)] + [
            self.internal_queue, '%s.undecodable' % self.pool], exchanges=[
            self.nova_exchange, self.exchange, self.dead_letter_exchange])
        self.agent = Service('agent', self.config, self.directory)
        self.engine = Service('engine', self.config, self.directory)
        self.addCleanup(self._stop)
        # The logs tell what went wrong; they go with a failing test only.
        if self.test is not None:
            self.test.addOnException(self._attach_logs)

    def override(self, service, text):
        """Options of one service only, read after the common ones."""
        path = os.path.join(self.directory, '%s-%d.conf' % (
            service.name, len(service.configs)))
        with open(path, 'w') as f:
            f.write(text)
        service.configs.append(path)

    def _stop(self):
        # Both at once: a graceful stop takes a second or two each.
        for service in (self.agent, self.engine):
            service.terminate()
        for service in (self.agent, self.engine):
            service.stop()

    def _attach_logs(self, _exc_info):
        for service in (self.agent, self.engine):
            for path in (service.log, service.log + '.stderr'):
                if os.path.exists(path):
                    self.test.addDetail(
                        os.path.basename(path),
                        content.content_from_file(path, buffer_now=True))

    def _consumed(self, queue, service):
        def consumed():
            if not service.running():
                raise AssertionError('%s exited with %s' % (
                    service.name, service.process.returncode))
            found = self.broker.queue(queue)
            return found is not None and found[1] > 0
        return wait_for(consumed, what='a consumer on %s' % queue)

    def start_agent(self):
        """Start the agent; return once it consumes nova's exchange."""
        self.agent.start()
        self._consumed(self.source_queue, self.agent)

    def start_engine(self):
        """Start the engine; return once it consumes the internal topic."""
        self.engine.start()
        self._consumed(self.internal_queue, self.engine)

    def start(self):
        """Start both, at once; return once both consume."""
        self.engine.start()
        self.agent.start()
        self._consumed(self.internal_queue, self.engine)
        self._consumed(self.source_queue, self.agent)

    def publish(self, *messages):
        """Send notifications to nova's exchange, on nova's topics."""
        for message in messages:
            legacy = (isinstance(message, dict) and
                      str(message.get('event_type')).startswith('compute.'))
            self.broker.publish(self.nova_exchange,
                                LEGACY if legacy else VERSIONED, message)

    def publish_raw(self, body, topic=VERSIONED):
        self.broker.publish(self.nova_exchange, topic, body)

    def drained(self):
        """True once nothing waits on either queue."""
        source = self.broker.queue(self.source_queue)
        internal = self.broker.queue(self.internal_queue)
        return (source is not None and source[0] == 0 and
                internal is not None and internal[0] == 0)

    def dead_letter_policy(self):
        """Set the admin guide's dead-letter policy for this pool.

        It is removed at cleanup.
        """
        name = 'dlx-%s' % self.pool
        rabbitmqctl('set_policy', name, r'^%s\.' % self.pool.replace(
            '-', r'\-'), json.dumps({
                'dead-letter-exchange': self.dead_letter_exchange}),
            '--apply-to', 'queues')
        self.addCleanup(rabbitmqctl, 'clear_policy', name)
