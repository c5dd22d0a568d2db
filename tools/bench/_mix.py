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
"""The realistic notification mix of the ingest benchmark.

The simulated cloud (scs_metering/tests/simulator) plays the cloud: its Cloud
holds the servers and volumes, and its Notifier builds each change's
notification from the real samples and plays the lossy bus (held-back
and duplicated messages). Here it records the AMQP bodies instead of
sending them, so that a separate publisher process can send the same
bodies to every consumer measured.

The life of the cloud, over ``hours`` simulated hours from a start in the
past: ``servers`` servers and ``volumes`` volumes of ``projects``
projects are there from the first hour (created over it), with
``flavors`` flavors and three volume sizes; every hour each live
resource is audited once (nova's ``instance.exists``, cinder's
``volume.exists``), and has a 5% chance of a resize (a server's
resize_finish, then its confirmation a tick later), and a 2% chance of
being deleted and replaced by a new one in another project. 5% of the
messages are held back by one minute to two hours of simulated time and
sent after later ones (out of order), 1% are sent twice (the same
message id, as a service that retries).

Nova's notifications go out in the legacy format (``compute.instance.*``
on the ``notifications`` topic), nova's default ``notification_format``
and the one Ceilometer meters: each versioned message the simulator built
is rewritten into the real legacy sample of its event type
(``nova-legacy`` in the shared fixtures) with the same resource's fields.
Cinder's are legacy already.
"""

import copy
import datetime
import json
import random

from scs_metering.common import timeutils
from scs_metering.tests import fixtures as fx
from scs_metering.tests.simulator import cloud as sim_cloud
from scs_metering.tests.simulator import notifier as sim_notifier
from scs_metering.tests.simulator import workload as sim_workload

TICK = 60
HOUR = 3600
# Versioned event type -> the legacy sample nova sends for the same fact.
# A confirmed resize has no legacy .end sample: nova's legacy stream says
# it with compute.instance.update, the state back to active.
LEGACY = {
    'instance.create.end': 'compute.instance.create.end',
    'instance.resize_finish.end': 'compute.instance.finish_resize.end',
    'instance.resize_confirm.end': 'compute.instance.update',
    'instance.delete.end': 'compute.instance.delete.end',
    'instance.exists': 'compute.instance.exists',
}


def flavors(count):
    """``count`` flavors: the API sample's three, then larger ones."""
    found = [dict(f) for f in sim_workload.FLAVORS]
    n = 0
    while len(found) < count:
        n += 1
        vcpus = 2 ** (n % 5)
        found.append({'flavor_name': 'bench.c%d.r%d' % (vcpus, n),
                      'flavor_id': 'bench-%d' % n, 'vcpus': vcpus,
                      'memory_mb': 1024 * vcpus * (1 + n % 3),
                      'root_gb': 20 * (1 + n % 4), 'ephemeral_gb': n % 2})
    return found[:count]


def _iso(when):
    return None if when is None else when.strftime('%Y-%m-%dT%H:%M:%S.%f')


class _Legacy:
    """Rewrites the simulator's versioned nova messages in legacy form."""

    def __init__(self):
        self.samples = {}

    def sample(self, name):
        if name not in self.samples:
            self.samples[name] = fx.legacy(name)
        return copy.deepcopy(self.samples[name])

    def __call__(self, versioned):
        data = versioned['payload']['nova_object.data']
        flavor = data['flavor']['nova_object.data']
        message = self.sample(LEGACY[versioned['event_type']])
        payload = message['payload']
        stamp = versioned['timestamp']
        when = timeutils.parse(stamp.replace(' ', 'T') + 'Z')
        created = timeutils.parse(data['created_at'])
        payload.update({
            'instance_id': data['uuid'], 'tenant_id': data['tenant_id'],
            'user_id': data['user_id'], 'display_name': data['display_name'],
            'state': data['state'], 'state_description': '',
            'instance_type': flavor['name'],
            'instance_flavor_id': flavor['flavorid'],
            'vcpus': flavor['vcpus'], 'memory_mb': flavor['memory_mb'],
            'root_gb': flavor['root_gb'],
            'ephemeral_gb': flavor['ephemeral_gb'],
            'disk_gb': flavor['root_gb'] + flavor['ephemeral_gb'],
            'created_at': str(created),
            'launched_at': _iso(timeutils.parse(data['launched_at'])),
            'deleted_at': _iso(timeutils.parse(data['deleted_at'])) or '',
        })
        if 'terminated_at' in payload:
            payload['terminated_at'] = payload['deleted_at']
        if 'audit_period_ending' in payload:
            end = timeutils.window_floor(when, HOUR)
            payload['audit_period_beginning'] = (
                end - datetime.timedelta(hours=1)).strftime(
                '%Y-%m-%d %H:%M:%S')
            payload['audit_period_ending'] = end.strftime(
                '%Y-%m-%d %H:%M:%S')
        message.update(message_id=versioned['message_id'],
                       timestamp=stamp, priority='INFO')
        message['_unique_id'] = versioned['_unique_id']
        return message


class Recorder(sim_notifier.Notifier):
    """The simulator's notifier, keeping the bodies instead of sending."""

    def __init__(self, **kwargs):
        super().__init__('memory://', **kwargs)
        self.bodies = []
        self.legacy = _Legacy()

    def publish(self, service, topic, body):
        if service == 'nova':
            outer = json.loads(body)
            message = self.legacy(json.loads(outer['oslo.message']))
            topic = sim_notifier.LEGACY
            body = json.dumps({'oslo.version': '2.0',
                               'oslo.message': json.dumps(message)})
        self.bodies.append((service, topic, body))


def _project(rng, projects):
    # Half in a few large tenants, half spread over all of them.
    if rng.random() < 0.5:
        return rng.choice(projects)
    return projects[min(int(rng.paretovariate(1.2)) - 1, len(projects) - 1)]


def build(servers, volumes, hours, projects=200, flavor_count=12, seed=18,
          align=256, reorder=0.05, duplicate=0.01):
    """The bodies of the mix as (service, topic, body), and its facts.

    Each service's count is cut to a multiple of ``align`` (the agent's
    batch size) by dropping that service's last messages, so that no
    listener waits out its batch timeout at the end.
    """
    rng = random.Random(seed)
    start = timeutils.window_floor(timeutils.utcnow(), HOUR) - \
        datetime.timedelta(hours=hours + 24)
    clock = sim_cloud.Clock(start)
    ids = ['%032x' % (seed * 100000 + i) for i in range(projects)]
    cloud = sim_cloud.Cloud(clock, ids, seed=seed)
    bus = Recorder(seed=seed, delay=reorder, duplicate=duplicate,
                   delay_for=(60, 2 * HOUR))
    kinds = flavors(flavor_count)
    audit = {}
    resizing = []

    def create(resource_type):
        if resource_type == 'instance':
            attributes = dict(rng.choice(kinds), state='active')
        else:
            attributes = {'state': 'available',
                          'size': rng.choice((10, 50, 200)),
                          'volume_type': sim_workload.VOLUME_TYPE}
        resource = cloud.create(resource_type, _project(rng, ids),
                                attributes, build=0)
        audit[resource.resource_id] = rng.randrange(HOUR // TICK)
        bus.notify(resource, 'create', clock.now())

    def first_hour(resource_type, count):
        return [(rng.randrange(HOUR // TICK), resource_type)
                for _ in range(count)]

    births = sorted(first_hour('instance', servers) +
                    first_hour('volume', volumes))
    tick = 0
    while tick < hours * HOUR // TICK:
        clock.advance(TICK)
        now = clock.now()
        for resource in resizing:
            if resource.deleted_at is None:
                cloud.update(resource, state='active')
                bus.notify(resource, 'confirm', now)
        resizing = []
        while births and births[0][0] <= tick:
            create(births.pop(0)[1])
        minute = tick % (HOUR // TICK)
        for resource_type in ('instance', 'volume'):
            for resource in cloud.live(resource_type):
                if audit[resource.resource_id] != minute or \
                        resource.created_at == now:
                    continue
                bus.notify(resource, 'exists', now)
                draw = rng.random()
                if draw < 0.02:
                    cloud.delete(resource)
                    bus.notify(resource, 'delete', clock.now())
                    create(resource_type)
                elif draw < 0.07:
                    _resize(cloud, rng, kinds, resource)
                    bus.notify(resource, 'resize', now)
                    if resource_type == 'instance':
                        resizing.append(resource)
        bus.release(now)
        tick += 1
    bus.flush()
    return _aligned(bus.bodies, align)


def _resize(cloud, rng, kinds, resource):
    if resource.resource_type == 'instance':
        flavor = rng.choice([f for f in kinds if f['flavor_name'] !=
                             resource.attributes['flavor_name']])
        cloud.update(resource, relaunch=True, state='resized', **flavor)
    else:
        cloud.update(resource, size=resource.attributes['size'] + 10)


def _aligned(bodies, align):
    counts = {}
    for service, _topic, _body in bodies:
        counts[service] = counts.get(service, 0) + 1
    keep = {s: n - n % align for s, n in counts.items()}
    seen = dict.fromkeys(counts, 0)
    found = []
    for item in bodies:
        seen[item[0]] += 1
        if seen[item[0]] <= keep[item[0]]:
            found.append(item)
    return found, facts(found)


def _key(message):
    payload = message['payload']
    return payload.get('instance_id') or payload.get('volume_id')


def facts(bodies):
    """What the mix holds: counts, out-of-order and duplicate shares.

    A message is out of order when one with a later event time went
    before it; out of order per resource, when that one was about the
    same resource.
    """
    latest, ids, resources = {}, set(), set()
    late = behind = duplicates = 0
    newest = ''
    projects, kinds, types = set(), set(), {}
    for _service, _topic, body in bodies:
        message = json.loads(json.loads(body)['oslo.message'])
        key = _key(message)
        resources.add(key)
        projects.add(message['payload']['tenant_id'])
        kinds.add(message['payload'].get('instance_type'))
        types[message['event_type']] = types.get(
            message['event_type'], 0) + 1
        if message['message_id'] in ids:
            duplicates += 1
            continue
        ids.add(message['message_id'])
        if message['timestamp'] < newest:
            behind += 1
        newest = max(newest, message['timestamp'])
        if key in latest and message['timestamp'] < latest[key]:
            late += 1
        latest[key] = max(latest.get(key, ''), message['timestamp'])
    services = {}
    for service, _topic, _body in bodies:
        services[service] = services.get(service, 0) + 1
    return {'notifications': len(bodies), 'distinct': len(ids),
            'duplicates': duplicates, 'out_of_order': behind,
            'out_of_order_per_resource': late,
            'resources': len(resources), 'projects': len(projects),
            'flavors': len(kinds - {None}), 'services': services,
            'event_types': types}
