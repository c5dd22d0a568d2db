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
"""The network API: floating IPs and routers."""

from scs_metering.reconcile.listers import base


class NeutronLister(base.Lister):
    service_type = 'network'
    # Admins see every project's resources without a flag. A floating IP
    # or router is usable once its row exists: created_at dates it.
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'started_at': '/created_at',
                   'updated_at': '/updated_at'}


class FloatingIPLister(NeutronLister):
    resource_type = 'floating_ip'
    path = '/v2.0/floatingips'
    collection = 'floatingips'
    attributes = {
        'floating_network_id': {'path': '/floating_network_id',
                                'type': 'str'},
        'attached': {'path': '/port_id', 'type': 'present'},
    }


class RouterLister(NeutronLister):
    resource_type = 'router'
    path = '/v2.0/routers'
    collection = 'routers'
    attributes = {
        'external_gateway': {'path': '/external_gateway_info',
                             'type': 'present'},
        'external_network_id': {
            'path': '/external_gateway_info/network_id', 'type': 'str'},
    }
