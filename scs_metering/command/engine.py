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
"""scs-metering-engine: stores, derives, closes windows and publishes."""

from oslo_service import service as os_service

from scs_metering.db import api as db_api
from scs_metering.engine import daemon
from scs_metering import metrics
from scs_metering import replay
from scs_metering import service


def main(argv=None):
    conf = service.prepare_service(argv)
    metrics.serve(conf, 'engine', conf.metrics.engine_port,
                  db_api.stats_reader(conf))
    launcher = os_service.launch(
        conf, daemon.Engine(conf, remeter=replay.remeter),
        workers=conf.engine.workers,
        restart_method='mutate')
    launcher.wait()
