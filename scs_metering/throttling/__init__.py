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
"""Throttling: rules on metered usage and cost, and their enforcement.

The core here is pure, as billing's is (``scs_metering.rating``): rule
versions come in as the plain documents that the API receives and
storage keeps in JSON columns, and are parsed into immutable objects
whose errors name the field at fault (``rules``). The evaluator is a
function of (rule versions, a usage snapshot, the active decisions) to
decision changes (``evaluator``); the same snapshot always gives the same
changes. ``enforcement`` turns decisions into the enforcers' work, and
records what each enforcer found so that a revert restores it exactly.

Only ``enforcers`` (stevedore plugins in ``scs_metering.enforcers``)
talk to other services, and only ``inputs`` reads storage (through the
Connection it is given): the rules, decisions and records a run starts
from, and the snapshot of usage and costs. The periodic evaluator
(``engine/throttling.py``) and the API build on these.
"""
