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
"""The block-storage API: volumes, snapshots and backups."""

from scs_metering.reconcile.listers import base


class CinderLister(base.Lister):
    """Cinder's created_at only bounds a start: it stamps the request.

    The resource is usable, and billed, from its create.end.
    """

    service_type = 'block-storage'
    params = {'all_tenants': '1'}
    common = {'user_id': '/user_id', 'created_at': '/created_at',
              'updated_at': '/updated_at'}


class VolumeLister(CinderLister):
    resource_type = 'volume'
    path = '/volumes/detail'
    collection = 'volumes'
    item_fields = dict(CinderLister.common,
                       project_id='/os-vol-tenant-attr:tenant_id')
    # Notifications carry the type's id; the API names it volume_type_id
    # (microversion 3.63 on) and gives the type's name as volume_type.
    headers = {'OpenStack-API-Version': 'volume 3.63'}
    attributes = {
        'size': {'path': '/size', 'type': 'int'},
        'volume_type': {'path': ['/volume_type_id', '/volume_type'],
                        'type': 'str'},
    }


class SnapshotLister(CinderLister):
    resource_type = 'snapshot'
    path = '/snapshots/detail'
    collection = 'snapshots'
    item_fields = dict(
        CinderLister.common,
        project_id='/os-extended-snapshot-attributes:project_id')
    attributes = {'size': {'path': '/size', 'type': 'int'}}


class BackupLister(CinderLister):
    resource_type = 'backup'
    path = '/backups/detail'
    collection = 'backups'
    # The project attribute of backups needs microversion 3.18.
    headers = {'OpenStack-API-Version': 'volume 3.18'}
    item_fields = dict(CinderLister.common,
                       project_id='/os-backup-project-attr:project_id')
    attributes = {'size': {'path': '/size', 'type': 'int'}}
