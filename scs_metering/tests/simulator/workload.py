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
"""A seeded workload of users creating, resizing and deleting. TEST TOOL.

Time is the simulated clock: ``run`` moves it tick by tick and draws the
changes of each tick from a seeded random generator, so a seed replays
the same day. Each change updates the cloud (API and ground truth) and
goes out as the service's notification.
"""

import random

# Flavors of the API sample flavors-detail-resp.v2.102.json.
FLAVORS = [
    {'flavor_name': 'm1.tiny', 'flavor_id': '1', 'vcpus': 1,
     'memory_mb': 512, 'root_gb': 1, 'ephemeral_gb': 0},
    {'flavor_name': 'm1.small', 'flavor_id': '2', 'vcpus': 1,
     'memory_mb': 2048, 'root_gb': 20, 'ephemeral_gb': 0},
    {'flavor_name': 'm1.medium', 'flavor_id': '3', 'vcpus': 2,
     'memory_mb': 4096, 'root_gb': 40, 'ephemeral_gb': 0},
]


# The id of the API sample's volume type: notifications carry the id.
VOLUME_TYPE = '5fed9d7c-401d-46e2-8e80-f30c70cb7e1d'
# The external network of the API samples.
NETWORK = '376da547-b977-4cfe-9cba-275c80debf57'
# Types whose size a user changes.
RESIZABLE = ('instance', 'volume')
# Types that are usable (and billed) some seconds after the request their
# API's creation time stamps; the others are usable at once.
BUILT = ('instance', 'volume', 'snapshot', 'backup', 'image',
         'loadbalancer')


class Workload:
    """Draws changes of instances and volumes, tick after tick."""

    def __init__(self, cloud, notifier, seed=0, creates=0.5, resizes=0.05,
                 deletes=0.03, build=(0, 20)):
        self.cloud = cloud
        self.notifier = notifier
        self.random = random.Random(seed)
        self.rates = {'create': creates, 'resize': resizes,
                      'delete': deletes}
        self.build = build
        # Servers whose resize waits for confirmation.
        self.resizing = []

    def _notify(self, resource, change):
        self.notifier.notify(resource, change, self.cloud.clock.now())

    def create(self, resource_type):
        project = self.random.choice(self.cloud.projects)
        build = (self.random.randint(*self.build)
                 if resource_type in BUILT else 0)
        if resource_type == 'instance':
            attributes = dict(self.random.choice(FLAVORS), state='active')
        elif resource_type == 'volume':
            attributes = {'state': 'available',
                          'size': self.random.choice((1, 10, 50)),
                          'volume_type': VOLUME_TYPE}
        elif resource_type in ('snapshot', 'backup'):
            attributes = {'state': 'available',
                          'size': self.random.choice((1, 10, 50))}
        elif resource_type == 'floating_ip':
            attributes = {'state': 'DOWN', 'floating_network_id': NETWORK}
        elif resource_type == 'router':
            attributes = {'state': 'ACTIVE', 'external_network_id':
                          self.random.choice((NETWORK, None))}
        elif resource_type == 'image':
            attributes = {'state': 'active', 'disk_format': 'qcow2',
                          'size': self.random.choice((2 ** 24, 2 ** 30))}
        else:  # loadbalancer, dns_zone
            attributes = {'state': 'ACTIVE', 'type': 'PRIMARY'}
        resource = self.cloud.create(resource_type, project, attributes,
                                     build=build)
        if build:
            # Announced once built, with its launch time, as nova and
            # cinder do.
            self.cloud.clock.advance(build)
        self._notify(resource, 'create')
        return resource

    def resize(self, resource):
        if resource.resource_type == 'instance':
            flavor = self.random.choice([f for f in FLAVORS if f[
                'flavor_name'] != resource.attributes['flavor_name']])
            self.cloud.update(resource, relaunch=True, state='resized',
                              **flavor)
            self.resizing.append(resource)
        else:
            self.cloud.update(resource,
                              size=resource.attributes['size'] + 10)
        self._notify(resource, 'resize')

    def confirm(self, resource):
        self.cloud.update(resource, state='active')
        self._notify(resource, 'confirm')

    def delete(self, resource):
        if resource in self.resizing:
            self.resizing.remove(resource)
        self.cloud.delete(resource)
        self._notify(resource, 'delete')

    def tick(self, resource_types):
        """One tick's changes, for each resource type."""
        for resource in list(self.resizing):
            if resource.deleted_at is None:
                self.confirm(resource)
        self.resizing = []
        for resource_type in resource_types:
            if self.random.random() < self.rates['create']:
                self.create(resource_type)
            for resource in self.cloud.live(resource_type):
                draw = self.random.random()
                if draw < self.rates['delete']:
                    self.delete(resource)
                elif (draw < self.rates['delete'] + self.rates['resize'] and
                      resource_type in RESIZABLE):
                    self.resize(resource)

    def run(self, seconds, tick=60, resource_types=('instance', 'volume'),
            between=None):
        """Run ``seconds`` of simulated time.

        ``between(now)``, called after each tick, lets a test reconcile
        on the way.
        """
        end = self.cloud.clock.now().timestamp() + seconds
        while self.cloud.clock.now().timestamp() < end:
            self.cloud.clock.advance(tick)
            self.tick(resource_types)
            if between is not None:
                between(self.cloud.clock.now())
