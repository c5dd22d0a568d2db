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
"""The faults of a resilience run: a seeded plan, played on the way.

The plan is drawn from the run's seed before the run starts: each fault
gets a moment of simulated time, a duration and a target, so that a seed
replays the same faults at the same simulated moments. Durations are
simulated time; since hours pass in seconds, each outage also lasts a
minimum of real time, for the processes to notice it.

Notification faults (drops, duplicates, delays, reordering) are the
simulated bus's (simulator/notifier.py), drawn per message from the
same seed.
"""

import copy
import dataclasses
import datetime
import json
import os
import time

from scs_metering.tests.chaos import deployment as deploy
from scs_metering.tests.chaos import poison
from scs_metering.tests.simulator import api
from scs_metering.tests.simulator import notifier as sim_notifier

AGENT_KILL = 'agent SIGKILL'
ENGINE_KILL = 'engine SIGKILL'
BROKER_CLOSE = 'RabbitMQ connections closed'
BROKER_RESTART = 'RabbitMQ stop_app/start_app'
DB_BLOCK = 'PostgreSQL database refuses connections'
DB_STOP = 'PostgreSQL stopped'
SINK_5XX = 'HTTP sink answers 503'
SINK_TIMEOUT = 'HTTP sink times out'
API_FAIL = 'API fails during reconciliation'
BAD_JSON = 'malformed: not JSON'
MISSING_FIELD = 'malformed: required field missing'
POISON = 'poison: bad values, times, ids and bytes'
# Outages during which notifications cannot become events.
BLOCKING = (AGENT_KILL, ENGINE_KILL, DB_BLOCK, DB_STOP, BROKER_RESTART)
DATABASE = (DB_BLOCK, DB_STOP)
# (low, high) simulated hours each outage lasts; instant faults have none.
DURATIONS = {
    AGENT_KILL: (0.2, 3), ENGINE_KILL: (0.2, 3), DB_BLOCK: (0.5, 3),
    DB_STOP: (0.5, 3), SINK_5XX: (2, 8), SINK_TIMEOUT: (1, 4),
    API_FAIL: (1, 4),
}
# Real seconds an outage lasts at least.
REAL_MINIMUM = {
    AGENT_KILL: 2, ENGINE_KILL: 2, DB_BLOCK: 6, DB_STOP: 6, SINK_5XX: 6,
    SINK_TIMEOUT: 6, API_FAIL: 0,
}
# The listings an API fault breaks, and how.
API_PATHS = {
    'instance': '/servers/detail', 'volume': '/volumes/detail',
    'snapshot': '/snapshots/detail', 'backup': '/backups/detail',
    'floating_ip': '/v2.0/floatingips', 'router': '/v2.0/routers',
    'image': '/v2/images', 'loadbalancer': '/v2/lbaas/loadbalancers',
    'dns_zone': '/v2/zones'}
API_KINDS = (('status', 500), ('status', 503), ('timeout', 503),
             ('garbage', 200), ('empty', 200))
# What a missing-field message lacks, by the sample it is made from.
FIELDS = {
    'instance': ('nova_object.data', 'uuid'),
    'volume': ('volume_id',),
    'snapshot': ('snapshot_id',),
    'dns_zone': ('id',),
}


@dataclasses.dataclass
class Fault:
    kind: str
    start: datetime.datetime
    end: datetime.datetime = None
    # A process index, an API path, or what makes a message malformed.
    target: object = None
    detail: str = ''
    # Killed for good: not restarted at the end of the run.
    permanent: bool = False
    # The type whose listing an API fault breaks.
    resource_type: str = None
    # Filled in as the fault is played.
    state: str = 'planned'
    began: float = None
    ended: datetime.datetime = None
    # The webhook's requests before and after the fault.
    requests: tuple = (0, 0)
    seconds: float = 0
    notes: list = dataclasses.field(default_factory=list)
    handle: object = None

    def describe(self):
        span = ('' if self.end is None else ' for %.1f h' % (
            (self.end - self.start).total_seconds() / 3600))
        return '%s %s%s %s%s' % (self.start.strftime('%Y-%m-%d %H:%M'),
                                 self.kind, span, self.detail,
                                 ' (for good)' if self.permanent else '')


def plan(rng, profile, start, end):
    """Faults of a run from ``start`` to ``end``, in time order.

    ``profile.faults`` gives how many of each kind. Outages keep clear of
    the first and last tenth of the run, so that the run starts and ends
    with everything up.
    """
    span = (end - start).total_seconds()
    faults = []
    for kind, count in sorted(profile.faults.items()):
        for _n in range(count):
            at = start + datetime.timedelta(
                seconds=rng.uniform(0.1, 0.9) * span)
            fault = Fault(kind, at)
            if kind in DURATIONS:
                fault.end = at + datetime.timedelta(
                    hours=rng.uniform(*DURATIONS[kind]))
            if kind in (AGENT_KILL, ENGINE_KILL):
                # A process killed for good would make the kill a no-op.
                count = (profile.agents if kind == AGENT_KILL
                         else profile.engines)
                fault.target = rng.choice([
                    n for n in range(count)
                    if (kind, n) not in profile.permanent_kills])
                fault.detail = '%s %d' % (kind.split()[0], fault.target)
            elif kind == API_FAIL:
                fault.resource_type = rng.choice(sorted(API_PATHS))
                how, status = rng.choice(API_KINDS)
                fault.target = api.Fault(API_PATHS[fault.resource_type],
                                         kind=how, status=status, delay=3.0)
                fault.detail = '%s listing: %s %s' % (fault.resource_type,
                                                      how, status)
            elif kind == MISSING_FIELD:
                fault.target = rng.choice(sorted(FIELDS))
                fault.detail = fault.target
            faults.append(fault)
    for kind, index in profile.permanent_kills:
        fault = Fault(kind, start + datetime.timedelta(
            seconds=rng.uniform(0.3, 0.6) * span), target=index,
            detail='%s %d' % (kind.split()[0], index), permanent=True)
        faults.append(fault)
    return sorted(faults, key=lambda f: f.start)


class Injector:
    """Plays a plan's faults as the simulated clock passes them."""

    def __init__(self, faults, deployment, database, sim, receiver, rng):
        self.faults = faults
        self.deployment = deployment
        self.database = database
        self.sim = sim
        self.receiver = receiver
        self.rng = rng
        self.active = []
        # The malformed messages sent: what the quarantine must hold.
        self.malformed = []
        # (when, log, exit code) of processes that exited on their own.
        self.exits = []

    def calm(self):
        """No outage keeps notifications from becoming events now."""
        return not any(f.kind in BLOCKING for f in self.active)

    def database_down(self):
        return any(f.kind in DATABASE for f in self.active)

    def step(self, now):
        self._supervise(now)
        for fault in list(self.active):
            if fault.end <= now:
                self._end(fault)
        for fault in self.faults:
            if fault.state == 'planned' and fault.start <= now:
                self._begin(fault)

    def _supervise(self, now):
        """Restart what exited on its own, as an init system would."""
        for process in self.deployment.all():
            if process.process is not None and not process.running():
                self.exits.append((now, process.log,
                                   process.process.returncode))
                process.process = None
                process.start()

    def end_all(self):
        for fault in list(self.active):
            self._end(fault)
        for fault in self.faults:
            if fault.state == 'planned':
                fault.state = 'not reached'
        # A process killed for good stays down; the others are up.
        for process in self.deployment.all():
            if process.process is None and not any(
                    f.handle is process and f.permanent
                    for f in self.faults):
                process.start()
        self.deployment.wait_consuming()

    def _process(self, fault):
        processes = (self.deployment.agents if fault.kind == AGENT_KILL
                     else self.deployment.engines)
        return processes[fault.target]

    def _begin(self, fault):
        fault.began = time.monotonic()
        fault.requests = (len(self.receiver.requests), None)
        kind = fault.kind
        if kind in (AGENT_KILL, ENGINE_KILL):
            process = self._process(fault)
            if not process.running():
                fault.state = 'skipped'
                fault.notes.append('already down')
                return
            process.kill()
            fault.handle = process
        elif kind in (BROKER_CLOSE, BROKER_RESTART):
            if kind == BROKER_CLOSE:
                self.deployment.close_connections()
            else:
                deploy.restart_broker()
            # Every running process consumes again: it reconnected.
            if not self.database_down():
                self.deployment.wait_consuming(120)
                fault.seconds = time.monotonic() - fault.began
            else:
                fault.notes.append('reconnection not awaited: database '
                                   'down')
        elif kind == DB_BLOCK:
            self.database.block()
        elif kind == DB_STOP:
            self.database.stop()
        elif kind == SINK_5XX:
            self.receiver.default = ('status', 503)
        elif kind == SINK_TIMEOUT:
            self.receiver.default = ('sleep', 3)
        elif kind == API_FAIL:
            # A fault of its own, for its whole span.
            fault.handle = self.sim.api.inject(copy.copy(fault.target))
        elif kind == BAD_JSON:
            self._bad_json(fault)
        elif kind == MISSING_FIELD:
            self._missing_field(fault)
        elif kind == POISON:
            poison.inject(self, fault)
        fault.state = 'done' if fault.end is None else 'active'
        if fault.end is not None:
            self.active.append(fault)

    def _end(self, fault):
        # Long enough in real time for the processes to notice.
        left = REAL_MINIMUM.get(fault.kind, 0) - (time.monotonic() -
                                                  fault.began)
        if left > 0:
            time.sleep(left)
        kind = fault.kind
        if kind in (AGENT_KILL, ENGINE_KILL):
            if not fault.permanent:
                fault.handle.start()
                # It cannot consume before the database is back.
                if not self.database_down():
                    self.deployment.wait_consuming()
        elif kind == DB_BLOCK:
            self.database.unblock()
        elif kind == DB_STOP:
            self.database.start()
        elif kind in (SINK_5XX, SINK_TIMEOUT):
            if not any(f.kind in (SINK_5XX, SINK_TIMEOUT) and f is not fault
                       for f in self.active):
                self.receiver.default = ('status', 200)
        elif kind == API_FAIL:
            self.sim.api.remove(fault.handle)
        fault.seconds = time.monotonic() - fault.began
        fault.requests = (fault.requests[0], len(self.receiver.requests))
        fault.ended = self.sim.clock.now()
        fault.state = 'done'
        self.active.remove(fault)

    def _bad_json(self, fault):
        # Cut short, and unique: each is quarantined once.
        body = ('{"oslo.version": "2.0", "oslo.message": "{\\"event_type'
                '\\": \\"instance.create.end\\", \\"n\\": %d' %
                self.rng.getrandbits(64))
        self.sim.notifier.publish('nova', sim_notifier.VERSIONED, body)
        self.malformed.append(('undecodable', body))

    def _missing_field(self, fault):
        resource_type = fault.target
        live = self.sim.cloud.live(resource_type)
        if not live:
            fault.state, fault.notes = 'skipped', ['nothing alive']
            return
        resource = self.rng.choice(live)
        build, sample, event_type = sim_notifier.MESSAGES[(resource_type,
                                                           'create')]
        service, topic, message = build(sample, event_type,
                                        copy.deepcopy(resource),
                                        self.sim.clock.now())
        message['message_id'] = '%032x' % self.rng.getrandbits(128)
        message['_unique_id'] = '%032x' % self.rng.getrandbits(128)
        *path, field = FIELDS[resource_type]
        payload = message['payload']
        for name in path:
            payload = payload[name]
        del payload[field]
        self.sim.notifier.publish(service, topic, json.dumps({
            'oslo.version': '2.0', 'oslo.message': json.dumps(message)}))
        self.malformed.append(('missing', message['message_id']))


def report_path(name):
    """Where a run writes its report, besides the test's details."""
    directory = os.environ.get('SCS_METERING_CHAOS_REPORTS',
                               os.path.join(os.getcwd(), '.chaos'))
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, name)
