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
"""The deployment a resilience run breaks: real processes, real services.

Agents and engines run as their console scripts, on a RabbitMQ virtual
host of their own (so that closing its connections, or deleting it at the
end, touches no other test) and on a PostgreSQL database of their own.
Source queues are durable, as with ``amqp_durable_queues`` in a
deployment that must survive a broker restart.
"""

import json
import os
import subprocess
import time
import urllib.parse
import uuid

import fixtures
import kombu
import sqlalchemy as sa
from testtools import content

from scs_metering.conf import notification
from scs_metering.tests.functional import base as functional
from scs_metering.tests.functional import services

POOL = 'scs-metering'
# The services the simulated cloud notifies, at their default exchanges.
SERVICES = ('nova', 'cinder', 'neutron', 'designate')
EXCHANGES = {name: notification.SERVICES[name] for name in SERVICES}
# The tail of each log that goes with a failure.
LOG_TAIL = 200000


def _tail(path):
    with open(path, 'rb') as f:
        f.seek(max(0, os.path.getsize(path) - LOG_TAIL))
        return f.read().decode('utf-8', 'replace')


class Deployment(fixtures.Fixture):
    """``agents`` agents and ``engines`` engines sharing one bus and DB.

    ``sections`` ({section: {option: value}}) go into the configuration
    file every process reads.
    """

    def __init__(self, test, database_url, sections, agents=1, engines=1):
        super().__init__()
        self.test = test
        self.database_url = database_url
        self.sections = sections
        self.counts = {'agent': agents, 'engine': engines}
        self.uid = uuid.uuid4().hex[:10]
        self.vhost = 'scs-chaos-%s' % self.uid
        self.url = functional.RABBIT_URL.rstrip('/') + '/' + self.vhost
        self.amqp_url = services.amqp_url(functional.RABBIT_URL).rstrip(
            '/') + '/' + urllib.parse.quote(self.vhost, safe='')

    def _setUp(self):
        services.rabbitmqctl('add_vhost', self.vhost)
        self.addCleanup(services.rabbitmqctl, 'delete_vhost', self.vhost)
        services.rabbitmqctl('set_permissions', '-p', self.vhost, 'guest',
                             '.*', '.*', '.*')
        # The admin guide's dead-letter policy, in this virtual host.
        services.rabbitmqctl(
            'set_policy', '-p', self.vhost, 'scs-metering-dlx',
            r'^%s\.' % POOL.replace('-', r'\-'), json.dumps(
                {'dead-letter-exchange': '%s.dlx' % POOL}),
            '--apply-to', 'queues')
        self.directory = self.useFixture(fixtures.TempDir()).path
        config = os.path.join(self.directory, 'scs-metering.conf')
        sections = {
            'DEFAULT': {'transport_url': self.url,
                        'state_path': self.directory},
            'database': {'connection': self.database_url},
            'notification': {'enabled_services': ','.join(SERVICES)},
            'oslo_messaging_rabbit': {'amqp_durable_queues': 'true'},
        }
        for name, options in self.sections.items():
            sections.setdefault(name, {}).update(options)
        with open(config, 'w') as f:
            f.write(services.render(sections))
        self.processes = {}
        for name, count in self.counts.items():
            self.processes[name] = []
            for n in range(count):
                directory = os.path.join(self.directory, '%s-%d' % (name, n))
                os.mkdir(directory)
                process = services.Service(name, config, directory)
                own = os.path.join(directory, 'own.conf')
                with open(own, 'w') as f:
                    f.write('[DEFAULT]\nhost = chaos-%s-%s-%d\n' % (
                        self.uid, name, n))
                process.configs.append(own)
                self.processes[name].append(process)
        self.broker = Broker(self.amqp_url)
        self.addCleanup(self.broker.close)
        self.addCleanup(self.stop)
        self.test.addOnException(self._attach_logs)

    @property
    def agents(self):
        return self.processes['agent']

    @property
    def engines(self):
        return self.processes['engine']

    def all(self):
        return self.agents + self.engines

    def stop(self):
        for process in self.all():
            process.terminate()
        for process in self.all():
            if process.running():
                process.stop()
            else:
                process.process = None

    def _attach_logs(self, _exc_info):
        for process in self.all():
            for path in (process.log, process.log + '.stderr'):
                if os.path.exists(path):
                    self.test.addDetail('%s-%s' % (
                        os.path.basename(os.path.dirname(path)),
                        os.path.basename(path)),
                        content.text_content(_tail(path)))

    def start_all(self):
        for process in self.all():
            process.start()
        self.wait_consuming()

    def wait_consuming(self, timeout=60):
        """Wait until engines consume the internal topic, agents each queue."""
        def consuming():
            for process in self.all():
                if process.process is not None and not process.running():
                    raise AssertionError('%s exited with %s: %s' % (
                        process.log, process.process.returncode,
                        process.read_log()[-3000:]))
            wanted = {'scs_metering_events.info': len(
                [p for p in self.engines if p.running()])}
            for service in SERVICES:
                wanted['%s.%s' % (POOL, service)] = len(
                    [p for p in self.agents if p.running()])
            for queue, count in wanted.items():
                found = self.broker.queue(queue)
                if count and (found is None or found[1] < count):
                    return False
            return True
        services.wait_for(consuming, timeout, interval=0.2,
                          what='agents and engines consuming')

    def close_connections(self):
        """Close every connection to this virtual host.

        The processes see what a broker restart shows them; nothing else
        on the broker notices.
        """
        services.rabbitmqctl('close_all_connections', '--vhost', self.vhost,
                             'resilience test')


class Broker(services.Broker):
    """The test's look at the queues, across broker restarts."""

    def __init__(self, url):
        self.url = url
        self.connection = kombu.Connection(url)

    def queue(self, name):
        for _attempt in range(5):
            try:
                return super().queue(name)
            except (OSError,) + tuple(self.connection.connection_errors):
                self.connection.release()
                self.connection = kombu.Connection(self.url)
                time.sleep(0.5)
        return None


def restart_broker(wait=60):
    """Stop and start the RabbitMQ application of the node.

    Every virtual host loses its connections; durable queues and their
    persistent messages survive. Other tests using the broker at that
    moment see it too: only the long resilience environment does this.
    """
    services.rabbitmqctl('stop_app')
    try:
        time.sleep(2)
    finally:
        services.rabbitmqctl('start_app')
    subprocess.run(('rabbitmqctl', 'await_startup'), check=True,
                   capture_output=True, timeout=wait)


class Database:
    """Outages of the run's own PostgreSQL database.

    ``block`` refuses new connections to this database only and ends the
    open ones, which is what its processes see of a stopped server;
    other databases on the server are untouched. ``stop`` stops the whole
    server: only the long resilience environment does this.
    """

    def __init__(self, url):
        self.name = sa.engine.make_url(url).database
        self.admin = sa.create_engine(functional.ADMIN_URLS['postgresql'],
                                      isolation_level='AUTOCOMMIT')

    def close(self):
        self.admin.dispose()

    def _execute(self, *statements):
        with self.admin.connect() as c:
            for statement in statements:
                c.execute(sa.text(statement), {'n': self.name})

    def block(self):
        self._execute(
            'ALTER DATABASE %s ALLOW_CONNECTIONS false' % self.name,
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
            'WHERE datname = :n AND pid <> pg_backend_pid()')

    def unblock(self):
        self._execute('ALTER DATABASE %s ALLOW_CONNECTIONS true' % self.name)

    @staticmethod
    def _cluster():
        port = str(sa.engine.make_url(
            functional.ADMIN_URLS['postgresql']).port or 5432)
        for line in subprocess.run(
                ('pg_lsclusters', '--no-header'), check=True,
                capture_output=True, text=True).stdout.splitlines():
            version, name, cluster_port = line.split()[:3]
            if cluster_port == port:
                return version, name
        raise AssertionError('no PostgreSQL cluster on port %s' % port)

    def stop(self):
        version, name = self._cluster()
        subprocess.run(('pg_ctlcluster', version, name, 'stop', '-m',
                        'fast'), check=True, capture_output=True,
                       timeout=60)
        self.admin.dispose()

    def start(self):
        version, name = self._cluster()
        subprocess.run(('pg_ctlcluster', version, name, 'start'),
                       check=True, capture_output=True, timeout=60)
        services.wait_for(lambda: functional.reachable('postgresql'), 60,
                          interval=0.2, what='PostgreSQL back')
