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

MODULES = (default, agent, api, billing, engine, guards, meters, metrics,
           notification, publisher, reconciliation, rgw, service_credentials,
           throttling, enforcement)


def register_opts(conf):
    """Register every scs-metering option group on ``conf``."""
    for module in MODULES:
        module.register_opts(conf)
