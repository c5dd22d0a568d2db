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
"""The reconciler: the service scs-metering-reconciler runs.

It runs due reconciliations and the audit check until stopped.
"""

import threading

from oslo_log import log
from oslo_service import service

from scs_metering.common import periodic
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering.reconcile import audit
from scs_metering.reconcile import client
from scs_metering.reconcile import runner
from scs_metering.reconcile import scheduler

LOG = log.getLogger(__name__)
# Seconds between two looks at what is due; intervals are much longer.
TICK = 10


class Reconciling(periodic.PeriodicWorker):
    def __init__(self, scheduler, reconciler, check, interval=TICK):
        super().__init__('reconciler', interval)
        self.scheduler = scheduler
        self.reconciler = reconciler
        self.check = check

    def run_once(self):
        self.scheduler.run_due(self.reconciler)
        self.scheduler.run_audit(self.check)


class ReconcilerService(service.ServiceBase):

    def __init__(self, conf, clock=timeutils.utcnow):
        super().__init__()
        self.conf = conf
        self.clock = clock
        self.connection = None
        self.cloud = None
        self.scheduler = None
        self.worker = None
        self._stopped = threading.Event()

    def start(self):
        conf = self.conf
        if not conf.reconciliation.resource_types:
            LOG.warning('[reconciliation] resource_types is empty: '
                        'nothing to reconcile')
        self.connection = db_api.get_connection(conf)
        self.connection.check_schema()
        self.cloud = client.Cloud(conf)
        reconciler = runner.Reconciler(
            conf, self.connection, self.cloud, loader.load(conf),
            clock=self.clock, enabled=conf.reconciliation.resource_types)
        self.scheduler = scheduler.Scheduler(
            conf, self.connection, conf.host, self.clock)
        self.scheduler.start()
        self.worker = Reconciling(self.scheduler, reconciler,
                                  audit.AuditCheck(self.connection,
                                                   conf.host))
        self.worker.start()
        LOG.info('Reconciler %s started for %s', conf.host,
                 ', '.join(conf.reconciliation.resource_types) or 'nothing')

    def stop(self, graceful=True):
        if self.worker is not None:
            self.worker.stop()
            self.worker.join(60)
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.cloud is not None:
            self.cloud.close()
        if self.connection is not None:
            self.connection.dispose()
        self._stopped.set()

    def wait(self):
        self._stopped.wait()

    def reset(self):
        pass
