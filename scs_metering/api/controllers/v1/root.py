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
"""The v1 API."""

import pecan

from scs_metering.api.controllers.v1 import corrections
from scs_metering.api.controllers.v1 import decisions
from scs_metering.api.controllers.v1 import invoices
from scs_metering.api.controllers.v1 import plans
from scs_metering.api.controllers.v1 import price_lists
from scs_metering.api.controllers.v1 import quarantine
from scs_metering.api.controllers.v1 import rating
from scs_metering.api.controllers.v1 import rerate
from scs_metering.api.controllers.v1 import resources
from scs_metering.api.controllers.v1 import rules
from scs_metering.api.controllers.v1 import sinks
from scs_metering.api.controllers.v1 import status
from scs_metering.api.controllers.v1 import subscriptions
from scs_metering.api.controllers.v1 import usage
from scs_metering.api.controllers import versions
from scs_metering.api import exception

_RESOURCES = ('sinks', 'usage', 'resources', 'status', 'corrections',
              'price-lists', 'plans', 'subscriptions', 'quote',
              'rated-usage', 'invoices', 'quarantine', 'rules',
              'decisions', 'enforcements')


class V1Controller:

    sinks = sinks.SinksController()
    usage = usage.UsageController()
    resources = resources.ResourcesController()
    status = status.StatusController()
    corrections = corrections.CorrectionsController()
    plans = plans.PlansController()
    subscriptions = subscriptions.SubscriptionsController()
    quote = rating.QuoteController()
    invoices = invoices.InvoicesController()
    rating = rerate.RatingController()
    quarantine = quarantine.QuarantineController()
    rules = rules.RulesController()
    # Before the class attribute 'decisions' hides the module.
    enforcements = decisions.EnforcementsController()
    decisions = decisions.DecisionsController()

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        base = request.application_url + '/v1/'
        return {
            'version': versions.describe(versions.VERSIONS[0], request),
            'links': [{'rel': name, 'href': base + name}
                      for name in _RESOURCES],
        }


pecan.route(V1Controller, 'price-lists', price_lists.PriceListsController())
pecan.route(V1Controller, 'rated-usage', rating.RatedUsageController())
