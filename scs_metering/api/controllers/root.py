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
"""The root of the API: version discovery."""

import pecan

from scs_metering.api.controllers.v1 import root as v1_root
from scs_metering.api.controllers import versions
from scs_metering.api import exception


class RootController:

    v1 = v1_root.V1Controller()

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        # Public, like every OpenStack API root: clients discover versions
        # before they have a token.
        return {'versions': [versions.describe(v, pecan.request)
                             for v in versions.VERSIONS]}
