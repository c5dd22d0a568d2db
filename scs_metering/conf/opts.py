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

"""Option listing for oslo-config-generator and the documentation."""

from oslo_config import cfg
from oslo_db import options as db_options

from scs_metering.conf import agent
from scs_metering.conf import api
from scs_metering.conf import billing
from scs_metering.conf import default
from scs_metering.conf import enforcement
from scs_metering.conf import engine
from scs_metering.conf import guards
from scs_metering.conf import meters
from scs_metering.conf import metrics
from scs_metering.conf import notification
from scs_metering.conf import publisher
from scs_metering.conf import reconciliation
from scs_metering.conf import rgw
from scs_metering.conf import service_credentials
from scs_metering.conf import throttling


def list_opts():
    return [
        ('DEFAULT', default.opts),
        (agent.GROUP, agent.opts),
        (api.GROUP, api.opts),
        (billing.GROUP, billing.opts),
        (engine.GROUP, engine.opts),
        (guards.GROUP, guards.opts),
        (meters.GROUP, meters.opts),
        (metrics.GROUP, metrics.opts),
        (notification.GROUP, notification.opts),
        (publisher.GROUP, publisher.opts),
        (reconciliation.GROUP, reconciliation.opts),
        (rgw.GROUP, rgw.opts),
        (service_credentials.GROUP, service_credentials.list_opts()),
        (throttling.GROUP, throttling.opts),
        (enforcement.GROUP, enforcement.list_opts()),
    ]


def set_lib_defaults():
    """Defaults of library options that differ for scs-metering."""
    db_options.set_defaults(
        cfg.CONF,
        connection='sqlite:///$state_path/scs_metering.sqlite')
