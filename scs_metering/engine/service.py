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
"""The engine service: ingest, window closing and delivery."""

import os
import threading

from oslo_log import log
import oslo_messaging
from oslo_service import service as os_service

from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import migration
from scs_metering.definitions import loader
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import messaging
from scs_metering import metrics
from scs_metering.publisher import sinks
from scs_metering.publisher import workers
from scs_metering.reconcile import store as reconcile_store
from scs_metering import service

LOG = log.getLogger(__name__)


class SchemaError(Exception):
    pass


class WindowClosing(periodic.PeriodicWorker):
    def __init__(self, closer, interval):
        super().__init__('window-closer', interval)
        self.closer = closer

    def run_once(self):
        written = self.closer.run()
        if written:
            LOG.info('Wrote %d usage records', written)

    def stop(self):
        # A long backlog of windows must not hold up a shutdown.
        self.closer.stop()
        super().stop()


class Heartbeat(periodic.PeriodicWorker):
    """Tells the API's /v1/status that this engine worker is alive."""

    BINARY = 'scs-metering-engine'
    INTERVAL = 10

    def __init__(self, connection, host):
        super().__init__('heartbeat', self.INTERVAL, jitter=False)
        self.connection = connection
        self.host = host
        self.started_at = timeutils.utcnow()

    def run_once(self):
        self.connection.beat(self.host, self.BINARY, self.started_at,
                             {'pid': os.getpid()})


def check_schema(connection):
    current, head = connection.version(), migration.head()
    if current != head:
        raise SchemaError('database schema is at %s, this engine needs %s: '
                          'run "scs-metering-manage db upgrade"' % (
                              current, head))


class Engine(os_service.ServiceBase):

    def __init__(self, conf, worker_id=0):
        super().__init__()
        self.conf = conf
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
        check_schema(self.connection)
        self.writer = metrics.start_writer(conf, 'engine')
        definitions = self.definitions
        if conf.publisher.sinks_file:
            sinks.seed(self.connection, conf.publisher.sinks_file, conf)
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
            WindowClosing(windows.WindowCloser(
                self.connection, definitions,
                settle_delay=conf.engine.settle_delay,
                batch_resources=conf.engine.close_batch_size,
                settled=reconcile_store.coverage(conf, self.connection),
                start=timeutils.parse(conf.engine.metering_start)),
                conf.engine.close_interval),
            workers.Delivering(conf, self.connection, owner),
            workers.Purging(conf, self.connection),
            Heartbeat(self.connection, owner),
        ]
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
        self.definitions = service.reload_definitions(self.conf,
                                                      self.definitions)
