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
"""The client of the v1 API."""

from scsmeteringclient.v1 import base
from scsmeteringclient.v1 import billing
from scsmeteringclient.v1 import corrections
from scsmeteringclient.v1 import invoices
from scsmeteringclient.v1 import quarantine
from scsmeteringclient.v1 import reports
from scsmeteringclient.v1 import sinks
from scsmeteringclient.v1 import throttling


class Client:
    """The v1 API on a keystoneauth1 session.

    The endpoint comes from the service catalog (service type
    ``usage-metering``) unless ``endpoint_override`` is given; the other
    keyword arguments (``interface``, ``region_name``, ...) are those of
    ``keystoneauth1.adapter.Adapter``::

        from keystoneauth1 import loading
        from scsmeteringclient.v1 import client

        session = loading.load_session_from_argparse_arguments(args)
        metering = client.Client(session, interface='public')
        metering.usage.get(start='2026-01-01T00:00:00Z',
                           end='2026-02-01T00:00:00Z')
    """

    def __init__(self, session, **adapter_options):
        http = base.HTTPClient(session, **adapter_options)
        self.sinks = sinks.SinkManager(http)
        self.usage = reports.UsageManager(http)
        self.resources = reports.ResourceManager(http)
        self.status = reports.StatusManager(http)
        self.corrections = corrections.CorrectionManager(http)
        self.price_lists = billing.PriceListManager(http)
        self.plans = billing.PlanManager(http)
        self.subscriptions = billing.SubscriptionManager(http)
        self.rating = billing.RatingManager(http)
        self.invoices = invoices.InvoiceManager(http)
        self.quarantine = quarantine.QuarantineManager(http)
        self.rules = throttling.RuleManager(http)
        self.decisions = throttling.DecisionManager(http)
        self.enforcements = throttling.EnforcementManager(http)
