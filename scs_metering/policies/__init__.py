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
"""Policy rules in code; an operator's policy file overrides them."""

import itertools

from scs_metering.policies import base
from scs_metering.policies import correction
from scs_metering.policies import invoice
from scs_metering.policies import plan
from scs_metering.policies import price_list
from scs_metering.policies import quarantine
from scs_metering.policies import rating
from scs_metering.policies import resource
from scs_metering.policies import sink
from scs_metering.policies import status
from scs_metering.policies import subscription
from scs_metering.policies import throttling
from scs_metering.policies import usage


def list_rules():
    return list(itertools.chain(
        base.list_rules(), sink.list_rules(), usage.list_rules(),
        resource.list_rules(), status.list_rules(),
        correction.list_rules(), price_list.list_rules(),
        plan.list_rules(), subscription.list_rules(), rating.list_rules(),
        invoice.list_rules(), quarantine.list_rules(),
        throttling.list_rules()))
