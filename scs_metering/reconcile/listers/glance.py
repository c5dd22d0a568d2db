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
"""The image API: images, with their status as their state."""

from scs_metering.reconcile import client
from scs_metering.reconcile.listers import base


class ImageLister(base.Lister):
    resource_type = 'image'
    service_type = 'image'
    path = '/v2/images'
    collection = 'images'
    style = client.NEXT
    # created_at is the queued record, before any upload: a bound only.
    item_fields = {'project_id': '/owner', 'created_at': '/created_at',
                   'updated_at': '/updated_at'}
    attributes = {
        'state': {'path': '/status', 'type': 'str'},
        'size': {'path': '/size', 'type': 'int'},
        'disk_format': {'path': '/disk_format', 'type': 'str'},
    }
