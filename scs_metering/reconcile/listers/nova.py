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
"""The compute API: servers, live and soft-deleted, and deleted ones.

Nova keeps deleted servers, so their deletion times are exact.
"""

from scs_metering.common import timeutils
from scs_metering.reconcile.listers import base

LIVE_STATE = 'active'


class ServerLister(base.Lister):
    resource_type = 'instance'
    service_type = 'compute'
    path = '/servers/detail'
    collection = 'servers'
    params = {'all_tenants': '1'}
    item_fields = {
        'project_id': '/tenant_id',
        'user_id': '/user_id',
        # Billing starts at launch, as with the create notification; but
        # nova moves launched_at on resize and rebuild, so only "created"
        # identifies the life.
        'created_at': '/created',
        'started_at': '/OS-SRV-USG:launched_at',
        'updated_at': '/updated',
    }
    start_moves = True
    # Since microversion 2.47 each server embeds its flavor.
    attributes = {
        'state': {'path': '/OS-EXT-STS:vm_state', 'type': 'str'},
        'flavor_name': {'path': '/flavor/original_name', 'type': 'str'},
        'vcpus': {'path': '/flavor/vcpus', 'type': 'int'},
        'memory_mb': {'path': '/flavor/ram', 'type': 'int'},
        'root_gb': {'path': '/flavor/disk', 'type': 'int'},
        'ephemeral_gb': {'path': '/flavor/ephemeral', 'type': 'int'},
    }
    _deleted_at = base.Getter('deleted_at', [
        '/OS-SRV-USG:terminated_at', '/updated'], type_='datetime',
        required=True)

    def __init__(self, conf, definitions):
        super().__init__(conf, definitions)
        version = conf.reconciliation.nova_microversion
        self.headers = {'OpenStack-API-Version': 'compute %s' % version,
                        'X-OpenStack-Nova-API-Version': version}
        self._flavor_ids = {}

    def observe(self, item, deleted_at=None):
        observed = super().observe(item, deleted_at)
        # Servers name their flavor; the notifications also carry its id.
        name = observed.attributes.get('flavor_name')
        observed.attributes['flavor_id'] = self._flavor_ids.get(name)
        if deleted_at is not None:
            # A deleted server keeps no trace of its states while alive:
            # its life is billed as active, the state it was built for.
            observed.attributes['state'] = LIVE_STATE
        return observed

    def inventory(self, cloud):
        self._flavor_ids = {}
        for page in cloud.pages(
                self.service_type, '/flavors/detail', 'flavors',
                params={'is_public': 'None', 'limit': self.page_size},
                headers=self.headers):
            self._flavor_ids.update((f.get('name'), f.get('id'))
                                    for f in page if isinstance(f, dict))
        yield from self._pages(cloud)
        # Soft-deleted servers can still be restored: they are alive.
        yield from self._pages(cloud, {'status': 'SOFT_DELETED'})

    def deleted(self, cloud, since):
        for page in self._pages(cloud, {
                'deleted': 'True',
                'changes-since': timeutils.isoformat(since)}):
            yield [(item, self._deleted_at.extract(item)) for item in page
                   if isinstance(item, dict) and
                   item.get('OS-EXT-STS:vm_state') == 'deleted']
