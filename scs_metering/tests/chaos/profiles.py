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
"""The runs of the resilience suite: how big, and which faults.

SHORT and POISON_SHORT run in the default functional tests and spare
everything other tests use at the same time: they close only their own
virtual host's connections and refuse connections to their own database
only. LONG, SCALE_OUT and POISON run in ``tox -e chaos``; LONG restarts
the RabbitMQ application and stops PostgreSQL for real unless
SCS_METERING_CHAOS_SHARED is set, for a machine that other test runs
share.
"""

import os

from scs_metering.tests.chaos import faults as f
from scs_metering.tests.chaos import harness

SHORT = harness.Profile(
    name='short', days=2, projects=10, creates=0.2, deletes=0.01,
    resizes=0.005, faults={
        f.AGENT_KILL: 1, f.ENGINE_KILL: 1, f.BROKER_CLOSE: 1,
        f.DB_BLOCK: 1, f.SINK_5XX: 1, f.SINK_TIMEOUT: 1, f.API_FAIL: 2,
        f.BAD_JSON: 2, f.MISSING_FIELD: 2, f.POISON: 1})

# The poison test (issue 13): valid traffic of every simulated service
# with every bad input twice, and no other fault, so that whatever goes
# wrong is the poison's doing. Over a thousand valid notifications; it
# runs in ``tox -e chaos``.
POISON = harness.Profile(
    name='poison', days=1, projects=12, creates=0.35, deletes=0.01,
    resizes=0.005, faults={f.POISON: 2})

# Its short run in the default functional tests: every bad input once,
# among a few hundred valid notifications, with the same checks; the
# reconciliation runs every two simulated hours instead of every hour.
POISON_SHORT = harness.Profile(
    name='poison-short', days=0.25, projects=4, creates=0.35,
    deletes=0.01, resizes=0.005, faults={f.POISON: 1},
    reconcile_every=2 * harness.HOUR)


def shared():
    return os.environ.get('SCS_METERING_CHAOS_SHARED', '').lower() in (
        '1', 'true', 'yes')


def long():
    """Two simulated weeks, over 10,000 resources, every fault."""
    restart, stop = ((f.BROKER_CLOSE, f.DB_BLOCK) if shared() else
                     (f.BROKER_RESTART, f.DB_STOP))
    faults = {f.AGENT_KILL: 3, f.ENGINE_KILL: 3, f.BROKER_CLOSE: 2,
              f.DB_BLOCK: 1, f.SINK_5XX: 2, f.SINK_TIMEOUT: 1,
              f.API_FAIL: 4, f.BAD_JSON: 5, f.MISSING_FIELD: 5,
              f.POISON: 3}
    faults[restart] = faults.get(restart, 0) + 1
    faults[stop] = faults.get(stop, 0) + 1
    return harness.Profile(
        name='long', days=14, projects=40, creates=0.3, deletes=0.004,
        resizes=0.002, faults=faults, settle_timeout=1800)


SCALE_OUT = harness.Profile(
    name='scale-out', days=3, projects=20, creates=0.3, deletes=0.01,
    resizes=0.005, agents=2, engines=2, reconcilers=2,
    permanent_kills=((f.AGENT_KILL, 1), (f.ENGINE_KILL, 1)), faults={
        f.AGENT_KILL: 1, f.ENGINE_KILL: 1, f.BROKER_CLOSE: 1,
        f.DB_BLOCK: 1, f.SINK_5XX: 1, f.API_FAIL: 1, f.BAD_JSON: 2,
        f.MISSING_FIELD: 2, f.POISON: 1})
