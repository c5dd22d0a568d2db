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
"""The API's WSGI application, ``scs_metering.wsgi.api:application``.

The configuration is read from the default locations
(/etc/scs-metering/scs-metering.conf), or from the files listed in the
SCS_METERING_CONFIG_FILES environment variable, separated by commas.
"""

import os

from scs_metering.api import app
from scs_metering import replay
from scs_metering import service


def init_application():
    files = [f for f in os.environ.get(
        'SCS_METERING_CONFIG_FILES', '').split(',') if f]
    conf = service.prepare_service(['scs-metering-api'],
                                   config_files=files or None)
    return app.build_wsgi_app(
        conf, retry_quarantined=replay.retry_quarantined)


application = init_application()
