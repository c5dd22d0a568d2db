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
"""Operating the services: metrics endpoints and SIGHUP, as run for real.

The agent and the engine run as processes against the real RabbitMQ; the
tests scrape their /metrics endpoints over HTTP and watch the counters
move as notifications flow, and send SIGHUP after editing the files.
"""

import datetime
import os
import signal
import socket
import urllib.request
import uuid

from prometheus_client import parser

from scs_metering.common import timeutils
from scs_metering.definitions import loader
from scs_metering.tests import fixtures as samples
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def scrape(port):
    """{(sample name, sorted labels): value}, or None while not serving."""
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port,
                                    timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in parser.text_string_to_metric_families(text)
            for s in family.samples}


def nova(name, server, when, launched=None):
    """A sample about ``server`` at ``when``, launched then unless told."""
    times = {'launched_at': launched or when}
    if name == 'instance-delete-end':
        times.update(deleted_at=when, terminated_at=when)
    return samples.instance(name, server, 'project-a', 'user-a', when,
                            **times)


class OperationsTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.database('sqlite')
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        self.agent_port, self.engine_port = free_port(), free_port()
        self.extra = {'metrics': {'agent_port': self.agent_port,
                                  'engine_port': self.engine_port}}
        self.write_extra()

    def write_extra(self, **sections):
        """Append sections to the pipeline's file; later values win."""
        for name, options in sections.items():
            self.extra.setdefault(name, {}).update(options)
        with open(self.pipeline.config) as f:
            text = f.read().split('\n# test overrides\n')[0]
        text += '\n# test overrides\n'
        for name, options in self.extra.items():
            text += '[%s]\n' % name + ''.join(
                '%s = %s\n' % item for item in options.items())
        with open(self.pipeline.config, 'w') as f:
            f.write(text)

    def metric(self, port, name, **labels):
        found = scrape(port) or {}
        return found.get((name, tuple(sorted(labels.items()))), 0)

    def wait_metric(self, port, name, expected, **labels):
        return services.wait_for(
            lambda: self.metric(port, name, **labels) == expected,
            what='%s%r == %s' % (name, labels, expected))

    def log_count(self, text):
        return self.pipeline.agent.read_log().count(text)

    def test_counters_move_as_work_happens(self):
        # Below the engine's state_path, where file sinks may write.
        usage = os.path.join(self.pipeline.directory, 'usage.jsonl')
        sinks_file = self.write_file('sinks.yaml', (
            'sinks:\n  - name: billing\n    driver: file\n'
            '    url: file://%s\n') % usage)
        self.write_extra(publisher={'sinks_file': sinks_file})
        self.pipeline.start()
        services.wait_for(lambda: scrape(self.agent_port) is not None,
                          what='the agent serving metrics')
        self.assertEqual(0, self.metric(
            self.agent_port, 'scs_metering_notifications_received_total',
            service='nova'))

        server = str(uuid.uuid4())
        start = timeutils.utcnow() - datetime.timedelta(hours=3)
        create = nova('instance-create-end', server, start)
        broken = dict(create, message_id=str(uuid.uuid4()),
                      payload='not an object')
        self.pipeline.publish(
            create,
            nova('instance-delete-end', server,
                 start + datetime.timedelta(minutes=30), launched=start),
            broken)

        agent = self.agent_port
        self.wait_metric(agent, 'scs_metering_notifications_received_total',
                         3, service='nova')
        self.wait_metric(agent, 'scs_metering_notifications_processed_total',
                         3, service='nova')
        self.wait_metric(agent,
                         'scs_metering_notifications_quarantined_total', 1,
                         service='nova')
        self.wait_metric(agent, 'scs_metering_events_forwarded_total', 2,
                         service='nova')

        engine = self.engine_port
        self.wait_metric(engine, 'scs_metering_events_applied_total', 2)
        self.wait_metric(engine, 'scs_metering_quarantine_stored_total', 1)
        self.wait_metric(engine, 'scs_metering_quarantine_entries', 1)
        self.wait_metric(engine,
                         'scs_metering_engine_ingest_delay_seconds_count', 2)
        # The window of the server's half hour closes, its record reaches
        # the file sink, and nothing is left waiting.
        services.wait_for(lambda: self.metric(
            engine, 'scs_metering_sink_delivered_total', sink='billing') > 0,
            what='a delivered record')
        self.wait_metric(engine, 'scs_metering_sink_backlog', 0,
                         sink='billing')
        # Workers write their counters once a second.
        services.wait_for(lambda: self.metric(
            engine, 'scs_metering_sink_delivery_latency_seconds_count',
            sink='billing'), what='a delivery latency')
        self.assertEqual(0, self.metric(
            engine, 'scs_metering_sink_dead_letters', sink='billing'))
        # Lifecycle records may be delivered before the hourly windows
        # close; the lag shows once they have.
        lag = services.wait_for(lambda: self.metric(
            engine, 'scs_metering_window_lag_seconds', meter='instance'),
            what='the instance windows closed')
        self.assertLess(lag, 3600 + 60)

        # The same notification again counts once: a duplicate, no usage.
        self.pipeline.publish(create)
        self.wait_metric(engine, 'scs_metering_events_duplicate_total', 1)
        self.assertEqual(2, self.metric(
            engine, 'scs_metering_events_applied_total'))

    def test_sighup_reloads_mutable_options_and_definitions(self):
        # Started without nova: nothing listens to nova's exchange.
        self.write_extra(notification={'enabled_services': 'glance'})
        self.addCleanup(self.pipeline.broker.delete, queues=[
            '%s.glance' % self.pipeline.pool])
        self.pipeline.start_engine()
        agent = self.pipeline.agent
        agent.start()
        # SIGHUP before the launcher handles it would end the process.
        services.wait_for(lambda: self.log_count('Listening to glance'),
                          what='the agent listening')
        listening = 'Listening to nova notifications'
        self.assertEqual(0, self.log_count(listening))

        # A mutable option: enable nova, SIGHUP.
        self.write_extra(notification={'enabled_services': 'nova'})
        os.kill(agent.pid, signal.SIGHUP)
        self.pipeline._consumed(self.pipeline.source_queue, agent)
        now = timeutils.utcnow()
        self.pipeline.publish(nova('instance-create-end', str(uuid.uuid4()),
                                   now))
        self.wait_metric(self.agent_port,
                         'scs_metering_events_forwarded_total', 1,
                         service='nova')

        # The definitions: a file that drops the instance definition turns
        # the same notification into a quarantine entry.
        name = loader.load_files(loader.shipped_files()).lookup(
            'nova', 'instance.create.end').name
        extra = self.write_file('extra.yaml', 'events:\n  %s: null\n' % name)
        self.write_extra(meters={'definition_files': extra})
        os.kill(agent.pid, signal.SIGHUP)
        services.wait_for(lambda: self.log_count(listening) == 2,
                          what='the agent listening again')
        self.pipeline.publish(nova('instance-create-end', str(uuid.uuid4()),
                                   now))
        self.wait_metric(self.agent_port,
                         'scs_metering_notifications_quarantined_total', 1,
                         service='nova')

        # A broken edit keeps the running definitions, not the first ones.
        with open(extra, 'w') as f:
            f.write('events: [broken\n')
        os.kill(agent.pid, signal.SIGHUP)
        services.wait_for(lambda: self.log_count(listening) == 3,
                          what='the agent listening again')
        self.assertEqual(1, self.log_count('Definitions not reloaded'))
        self.pipeline.publish(nova('instance-create-end', str(uuid.uuid4()),
                                   now))
        self.wait_metric(self.agent_port,
                         'scs_metering_notifications_quarantined_total', 2,
                         service='nova')
        self.assertEqual(1, self.metric(
            self.agent_port, 'scs_metering_events_forwarded_total',
            service='nova'))
        self.assertTrue(agent.running())
        self.assertEqual(0, agent.stop())
