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
"""The load-balancer API: load balancers."""

from scs_metering.reconcile.listers import base


class LoadBalancerLister(base.Lister):
    resource_type = 'loadbalancer'
    service_type = 'load-balancer'
    path = '/v2/lbaas/loadbalancers'
    collection = 'loadbalancers'
    # created_at is stamped in PENDING_CREATE, before the load balancer
    # is ACTIVE: a bound only.
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'updated_at': '/updated_at'}
    # The listing gives the flavor id only; the provider form of the
    # notifications (topology, compute flavor) keeps its tracked value.
    attributes = {'flavor_id': {'path': '/flavor_id', 'type': 'str'}}
