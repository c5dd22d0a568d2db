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
"""The engine: the service scs-metering-engine runs.

It stores the forwarded batches, closes windows and delivers to the
sinks, each in a worker thread of its own (engine/workers.py).
"""

import os
import threading

from oslo_log import log
import oslo_messaging
from oslo_service import service as os_service

from scs_metering.billing import biller
from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.definitions import guards
from scs_metering.definitions import loader
from scs_metering.engine import corrections
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering.engine import throttling
from scs_metering.engine import windows
from scs_metering.engine import workers
from scs_metering import messaging
from scs_metering import metrics
from scs_metering.publisher import manager

LOG = log.getLogger(__name__)
BINARY = 'scs-metering-engine'


class Engine(os_service.ServiceBase):

    def __init__(self, conf, worker_id=0, remeter=None):
        super().__init__()
        self.conf = conf
        # Makes, from the definitions, the function that meters an edited
        # message for a correction: the agent's conversion, which the
        # engine does not import (scs_metering.replay.remeter).
        self.remeter = remeter
        self.worker_id = worker_id
        self.listener = None
        self.workers = []
        self.connection = None
        self.writer = None
        self._stopped = threading.Event()
        self.definitions = loader.load(conf)
        # The forking launcher restarts the workers on SIGHUP instead of
        # calling reset(); this hook reloads in the parent first, so the new
        # workers start with definitions that were checked.
        conf.register_mutate_hook(lambda _conf, _changed: self.reset())

    def start(self):
        conf = self.conf
        self.connection = db_api.get_connection(conf)
        self.connection.check_schema()
        self.writer = metrics.start_writer(conf, 'engine')
        definitions = self.definitions
        if conf.publisher.sinks_file:
            manager.seed(self.connection, conf.publisher.sinks_file, conf)
        for name, reason in manager.refused(conf, self.connection):
            LOG.error('Sink %s is refused and gets nothing until it is '
                      'changed: %s', name, reason)
        self.listener = oslo_messaging.get_batch_notification_listener(
            messaging.internal_transport(conf),
            [messaging.internal_target(conf)],
            [endpoint.EventsEndpoint(ingest.Ingestor(self.connection))],
            executor='threading', allow_requeue=True,
            batch_size=conf.engine.batch_size,
            batch_timeout=conf.engine.batch_timeout)
        self.listener.start()
        owner = '%s:%s:%d' % (conf.host, self.worker_id, os.getpid())
        self.workers = [
            workers.WindowClosing(windows.WindowCloser(
                self.connection, definitions,
                settle_delay=conf.engine.settle_delay,
                batch_resources=conf.engine.close_batch_size,
                settled=windows.coverage(conf, self.connection),
                start=timeutils.parse(conf.engine.metering_start)),
                conf.engine.close_interval,
                corrections.Corrector(
                    self.connection,
                    self.remeter and self.remeter(definitions),
                    guards.EventGuard.from_conf(conf, definitions))),
            workers.Delivering(conf, self.connection, owner),
            workers.Purging(conf, self.connection),
            periodic.Heartbeat(self.connection.beat, owner, BINARY,
                               {'pid': os.getpid()}),
        ]
        if conf.billing.enabled:
            self.workers.append(workers.Rating(
                biller.Biller(conf, self.connection),
                conf.billing.interval))
        if conf.throttling.evaluate:
            self.workers.append(workers.Throttling(throttling.Throttler(
                conf, self.connection,
                {n: m.unit for n, m in definitions.meters.items()}, owner,
                partition=throttling.Partition(
                    conf.throttling.coordination_url, owner)),
                conf.throttling.interval))
        for worker in self.workers:
            worker.start()
        LOG.info('Engine %s started', owner)

    def stop(self, graceful=True):
        if self.listener is not None:
            self.listener.stop()
            self.listener.wait()
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.join(60)
        if self.connection is not None:
            self.connection.dispose()
        if self.writer is not None:
            self.writer.stop()
        self._stopped.set()
        LOG.info('Engine stopped')

    def wait(self):
        self._stopped.wait()

    def reset(self):
        self.definitions = loader.reload(self.conf, self.definitions)
