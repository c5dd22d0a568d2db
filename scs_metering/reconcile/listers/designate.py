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
"""The DNS API: zones of every project."""

from scs_metering.reconcile import client
from scs_metering.reconcile.listers import base


class ZoneLister(base.Lister):
    resource_type = 'dns_zone'
    service_type = 'dns'
    path = '/v2/zones'
    collection = 'zones'
    style = client.LINKS_NEXT
    headers = {'X-Auth-All-Projects': 'True'}
    # A zone is billed from its creation, the time dns.zone.create tells
    # too: created_at dates it.
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'started_at': '/created_at',
                   'updated_at': '/updated_at'}
    attributes = {'type': {'path': '/type', 'type': 'str'}}
