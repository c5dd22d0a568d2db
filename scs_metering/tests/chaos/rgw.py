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
"""Object storage in a resilience run: the simulated RGW and its traffic.

RGW sends no notifications; the reconciler's ``rgw_project`` poller
reads its usage log. Beside the simulated cloud a simulated RGW
(tests/simulator/rgw.py) serves the admin ops API, and a few projects
upload, download and delete objects on the compressed clock, through
the users both Keystone mappings make (``<project>$<project>`` and
``<project>``). Now and then one admin call answers 500, so polls fail
and the next one must pick up where the last good one stopped. The
run's own faults (database, engines, sink) hit the poller and its
records like any other.

The check: the bytes received and sent per project and hour, summed
over the latest revision of every usage record the sink delivered,
equal what the simulated users moved, exactly.
"""

import collections
import random

from scs_metering.common import timeutils
from scs_metering.reconcile.listers import rgw_tenants
from scs_metering.tests.chaos import checks
from scs_metering.tests.simulator import rgw as sim_rgw

RESOURCE_TYPE = rgw_tenants.RESOURCE_TYPE
IN = 'radosgw.objects.incoming.bytes'
OUT = 'radosgw.objects.outgoing.bytes'
HOUR = 3600
# Projects with RGW users; the rest of the run's projects use none.
PROJECTS = 3
# Per tick and user: the chance of an upload, a download, a delete.
PUT, GET, DELETE = 0.3, 0.3, 0.05
# The chance per tick that one admin call of the next poll fails.
FAIL = 0.02


class Traffic:
    """The simulated RGW of one run, its users and the truth they make."""

    def __init__(self, test, seed, projects, t_end):
        self.rgw = sim_rgw.SimulatedRGW().start()
        test.addCleanup(self.rgw.stop)
        self.rng = random.Random('rgw-%d' % seed)
        self.t_end = t_end
        chosen = projects[:PROJECTS]
        # Implicit tenants (SCS's setting) and the tenant-less form.
        self.users = {('%s$%s' % (p, p) if i % 2 == 0 else p): p
                      for i, p in enumerate(chosen)}
        self.objects = collections.defaultdict(list)
        # (meter, project, hour start) -> bytes
        self.truth = collections.Counter()
        self.failures = 0

    def configure(self, test):
        self.rgw.configure(test.conf)
        for name in ('endpoint', 'admin_entry', 'access_key', 'secret_key',
                     'timeout'):
            test.addCleanup(test.conf.clear_override, name, 'rgw')
        # The first poll may fail under a fault: a day of lookback still
        # meters the run's first hours.
        test.config('rgw', first_poll_lookback=86400)

    def step(self, now):
        """One tick of uploads, downloads and deletes; maybe a fault."""
        if now >= self.t_end:
            # The workload's last tick: its hour ends after the run.
            return
        hour = timeutils.from_epoch(timeutils.epoch(now) // HOUR * HOUR)
        for uid, project in sorted(self.users.items()):
            stored = self.objects[uid]
            if self.rng.random() < PUT:
                bucket = 'bucket-%d' % self.rng.randint(1, 2)
                size = self.rng.randint(1, 10 ** 6)
                self.rgw.put(uid, bucket, size, now)
                stored.append((bucket, size))
                self.truth[IN, project, hour] += size
            if stored and self.rng.random() < GET:
                bucket, size = self.rng.choice(stored)
                self.rgw.get(uid, bucket, size, now)
                self.truth[OUT, project, hour] += size
            if stored and self.rng.random() < DELETE:
                bucket, size = stored.pop(self.rng.randrange(len(stored)))
                self.rgw.delete(uid, bucket, size, now)
        if self.rng.random() < FAIL:
            self.failures += 1
            self.rgw.fail(self.rng.choice(('user', 'bucket', 'usage')),
                          500, times=1)

    def heal(self):
        self.rgw.heal()

    def meters(self, definitions):
        return [m for m in definitions.meters.values()
                if m.name in (IN, OUT)]

    def check(self, receiver):
        """Traffic per project and hour in the sink == the truth."""
        result = checks.Result('rgw traffic')
        billed = collections.Counter()
        for (resource_type, _rid, project, meter, start,
             quantity) in receiver.bill():
            if resource_type == RESOURCE_TYPE and meter in (IN, OUT):
                billed[meter, project, start] += quantity
        result.figures.update({
            'rgw users': len(self.users),
            'rgw bytes moved': sum(self.truth.values()),
            'rgw admin faults': self.failures,
            'rgw polls answered': len(self.rgw.requests)})
        keys = set(billed) | set(self.truth)
        wrong = sorted((k[0], k[1], str(k[2]), self.truth.get(k, 0),
                        billed.get(k, 0)) for k in keys
                       if billed.get(k, 0) != self.truth.get(k, 0))
        if wrong:
            result.fail('RGW bytes per project and hour differ from the '
                        'simulated truth (meter, project, hour, truth, '
                        'billed)', wrong)
        return result
