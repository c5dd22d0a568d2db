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
"""A background job that runs every few seconds until stopped."""

import random
import threading

from oslo_log import log

from scs_metering.common import timeutils

LOG = log.getLogger(__name__)


class PeriodicWorker(threading.Thread):
    """Runs ``run_once`` every ``interval`` seconds, in its own thread.

    The first run is jittered so that several engines started together do
    not run in lockstep. ``wake`` triggers a run now; ``stop`` ends
    the loop after the current run. A failing run is logged and retried at
    the next interval, never fatal.
    """

    def __init__(self, name, interval, jitter=True):
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self.jitter = jitter
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()

    def run_once(self):
        raise NotImplementedError

    def run(self):
        if self.jitter:
            self._stop_event.wait(random.uniform(0, self.interval))
        while not self._stop_event.is_set():
            try:
                self.run_once()
            except Exception:
                LOG.exception('%s failed; retrying in %ss', self.name,
                              self.interval)
            self._wake_event.wait(self.interval)
            self._wake_event.clear()

    def wake(self):
        self._wake_event.set()

    def stop(self):
        self._stop_event.set()
        self._wake_event.set()


class Heartbeat(PeriodicWorker):
    """Tells the API's /v1/status that a worker of a service is alive.

    ``beat`` records it: the engine writes to the database itself, the
    agent sends it to the engines on the internal topic. A clean stop
    sends one last beat whose info says ``stopped``, so that status shows
    the worker stopped at once instead of alive until ``[api]
    service_down_time`` has passed; a killed worker sends none and shows
    as down after that time.
    """

    INTERVAL = 10

    def __init__(self, beat, host, binary, info=None):
        super().__init__('heartbeat', self.INTERVAL, jitter=False)
        self.beat = beat
        self.host = host
        self.binary = binary
        self.info = info or {}
        self.started_at = timeutils.utcnow()

    def run_once(self):
        self.beat(self.host, self.binary, self.started_at, self.info)

    def run(self):
        super().run()
        try:
            self.beat(self.host, self.binary, self.started_at,
                      dict(self.info, stopped=True))
        except Exception:
            LOG.exception('Cannot record that %s stopped', self.host)
