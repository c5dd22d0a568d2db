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
"""Ceilometer's notification agent, the ingest benchmark's anchor.

Ceilometer (Apache-2.0) comes from PyPI into a virtualenv of its own,
made on first use under .tox/bench-ceilometer (or
$SCS_METERING_BENCH_CEILOMETER_VENV), so that its requirements never
change the libraries scs-metering runs with. CEILOMETER pins the release:
27.0.0 installs on Python 3.11 with current oslo libraries (oslo.messaging
18.3, kombu 5.x), as the tox env's own.

It runs as ``ceilometer-agent-notification`` with its default meter and
event definitions and both of its default pipelines (meter and event),
with two workers, its default batching (one notification at a time), and
a file publisher for each pipeline instead of Gnocchi and the notifier:
the samples and events are formatted and written, one line each, and
nothing waits on a remote store. It listens on a topic of its own on the
same exchanges' names, so that only the messages sent to it reach it.
"""

import os
import signal
import subprocess
import sys
import textwrap

import _common

CEILOMETER = 'ceilometer==27.0.0'
VENV = os.environ.get('SCS_METERING_BENCH_CEILOMETER_VENV') or os.path.join(
    _common.ROOT, '.tox', 'bench-ceilometer')


def command():
    """The agent's command, installing Ceilometer first if needed."""
    binary = os.path.join(VENV, 'bin', 'ceilometer-agent-notification')
    if not os.path.exists(binary):
        print('Installing %s into %s' % (CEILOMETER, VENV), flush=True)
        subprocess.run([sys.executable, '-m', 'venv', VENV], check=True)
        subprocess.run([os.path.join(VENV, 'bin', 'pip'), 'install', '-q',
                        CEILOMETER], check=True)
    return binary


def version():
    done = subprocess.run([os.path.join(VENV, 'bin', 'python'), '-c',
                           'from importlib import metadata; print(metadata.'
                           'version("ceilometer"), metadata.version('
                           '"oslo.messaging"))'],
                          capture_output=True, text=True, check=True)
    ceilometer, messaging = done.stdout.split()
    return {'ceilometer': ceilometer, 'oslo.messaging': messaging}


PIPELINE = '''\
---
sources:
    - name: meter_source
      meters:
          - "*"
      sinks:
          - meter_sink
sinks:
    - name: meter_sink
      publishers:
          - file://%s
'''

EVENT_PIPELINE = '''\
---
sources:
    - name: event_source
      events:
          - "*"
      sinks:
          - event_sink
sinks:
    - name: event_sink
      publishers:
          - file://%s
'''


class Agent:
    """One ceilometer-agent-notification with its workers."""

    def __init__(self, directory, url, exchanges, topic, workers=2):
        self.directory = directory
        self.outputs = [os.path.join(directory, 'samples.log'),
                        os.path.join(directory, 'events.log')]
        self.config = os.path.join(directory, 'ceilometer.conf')
        pipeline = os.path.join(directory, 'pipeline.yaml')
        events = os.path.join(directory, 'event_pipeline.yaml')
        with open(pipeline, 'w') as f:
            f.write(PIPELINE % self.outputs[0])
        with open(events, 'w') as f:
            f.write(EVENT_PIPELINE % self.outputs[1])
        exchange_lines = ''.join('notification_control_exchanges = %s\n' % e
                                 for e in exchanges)
        text = textwrap.dedent('''\
                [DEFAULT]
                transport_url = {url}
                log_file = {d}/ceilometer.log
                pipeline_cfg_file = {pipeline}
                event_pipeline_cfg_file = {events}
                [oslo_messaging_notifications]
                topics = {topic}
                [notification]
                workers = {workers}
                pipelines = meter
                pipelines = event
                ''').format(url=url, d=directory, pipeline=pipeline,
                            events=events, topic=topic, workers=workers)
        with open(self.config, 'w') as f:
            f.write(text + exchange_lines)
        self.queue = '%s.info' % topic
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [command(), '--config-file', self.config],
            start_new_session=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.directory, 'stderr.log'), 'ab'))

    def pids(self):
        return _common.tree(self.process.pid) if self.process else []

    def written(self):
        """Bytes written to the publishers' files so far."""
        total = 0
        for path in self.outputs:
            try:
                total += os.path.getsize(path)
            except FileNotFoundError:
                pass
        return total

    def lines(self):
        counts = []
        for path in self.outputs:
            try:
                with open(path, 'rb') as f:
                    counts.append(sum(1 for _ in f))
            except FileNotFoundError:
                counts.append(0)
        return counts

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
        self.process = None
