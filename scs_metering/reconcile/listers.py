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
"""Inventory listers: what each service's API says exists right now.

A lister turns the items of one listing into Observed facts, with the
same attribute names as the notification definitions of its resource
type, so that a listed resource and a notified one compare equal. Field
specs are JSON pointers into an item, as in the definitions.
"""

import dataclasses
import datetime

from scs_metering.common import timeutils
from scs_metering.definitions import fields
from scs_metering.reconcile import client


@dataclasses.dataclass
class Observed:
    """One resource as a listing shows it."""

    resource_id: str
    project_id: str
    user_id: str
    # When billing of its life starts (a server's launch, otherwise its
    # creation) and the earliest it can have started, which never changes
    # during one life and so tells lives apart.
    created_at: datetime.datetime
    born_at: datetime.datetime
    updated_at: datetime.datetime
    attributes: dict
    # Set only by listings of deleted resources, which date the delete.
    deleted_at: datetime.datetime = None


def _time(value):
    """An API time as an aware UTC datetime in whole seconds."""
    if isinstance(value, str):
        try:
            # The C parser reads every API's forms (Z, offset, none,
            # microseconds) an order of magnitude faster than iso8601.
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            return timeutils.parse(value)
        if when.tzinfo is None:
            return when.replace(tzinfo=datetime.timezone.utc,
                                microsecond=0)
        if when.tzinfo is not datetime.timezone.utc:
            when = when.astimezone(datetime.timezone.utc)
        return when.replace(microsecond=0) if when.microsecond else when
    raise TypeError('expected a time')


_CONVERT = {'str': fields.CONVERTERS['str'],
            'int': fields.CONVERTERS['int'],
            'datetime': _time,
            'present': lambda value: True}


class _Getter:
    """One field of listed items: the first non-empty pointer wins.

    The same semantics as the definitions' Field, limited to the plain
    pointers and types listers use, because a listing reads it millions
    of times and the general Field costs several times more per call.
    """

    def __init__(self, name, spec, type_='str', required=False):
        if isinstance(spec, dict):
            type_, spec = spec.get('type', type_), spec['path']
        self.name = name
        self.pointers = spec if isinstance(spec, list) else [spec]
        self.parts = [fields.split_pointer(p) for p in self.pointers]
        # The common case, one top-level key, is read without the loops.
        self.key = (self.parts[0][0] if len(self.parts) == 1 and
                    len(self.parts[0]) == 1 else None)
        self.type = type_
        self.convert = _CONVERT[type_]
        self.required = required

    def extract(self, item):
        if self.key is not None:
            value = item.get(self.key)
        else:
            value = None
            for parts in self.parts:
                value = item
                for part in parts:
                    value = (value.get(part) if isinstance(value, dict)
                             else None)
                if value is not None and value != '':
                    break
        if value is None or value == '':
            return self._absent()
        try:
            return self.convert(value)
        except (TypeError, ValueError) as exc:
            raise fields.FieldError('wrong type for field %s: %s, got %r' % (
                self.name, exc, value))

    def _absent(self):
        if self.type == 'present':
            return False
        if self.required:
            raise fields.FieldError('missing field %s (%s)' % (
                self.name, ' or '.join(self.pointers)))
        return None


class Lister:
    """Lists one resource type of one service, across all projects."""

    resource_type = None
    service_type = None
    path = None
    collection = None
    style = client.LINKS
    params = {}
    headers = {}
    # JSON pointer specs of the common fields and of the attributes.
    item_fields = {}
    attributes = {}

    def __init__(self, conf):
        self.page_size = conf.reconciliation.page_size
        spec = dict({'user_id': [], 'updated_at': []}, **self.item_fields)
        self._id = _Getter('id', spec.get('resource_id', '/id'),
                           required=True)
        self._project = _Getter('project_id', spec['project_id'],
                                required=True)
        self._user = _Getter('user_id', spec['user_id'])
        self._created = _Getter('created_at', spec['created_at'],
                                type_='datetime', required=True)
        self._born = _Getter('born_at', spec.get('born_at',
                                                 spec['created_at']),
                             type_='datetime', required=True)
        self._updated = _Getter('updated_at', spec['updated_at'],
                                type_='datetime')
        self._attributes = [_Getter(name, attr) for name, attr in sorted(
            self.attributes.items())]

    def resource_id(self, item):
        """The id alone: even an item we cannot read is known to exist."""
        return self._id.extract(item)

    def observe(self, item, deleted_at=None):
        """An Observed of one listed item; FieldError if it is unusable."""
        if not isinstance(item, dict):
            raise fields.FieldError('a listed item is not a JSON object')
        return Observed(
            resource_id=self._id.extract(item),
            project_id=self._project.extract(item),
            user_id=self._user.extract(item),
            created_at=self._created.extract(item),
            born_at=self._born.extract(item),
            updated_at=self._updated.extract(item),
            attributes={f.name: f.extract(item) for f in self._attributes},
            deleted_at=deleted_at)

    def _pages(self, cloud, extra=None, headers=None):
        params = dict(self.params, limit=self.page_size, **(extra or {}))
        return cloud.pages(self.service_type, self.path, self.collection,
                           params=params,
                           headers=dict(self.headers, **(headers or {})),
                           style=self.style)

    def inventory(self, cloud):
        """Pages of raw items of every live resource."""
        return self._pages(cloud)

    def deleted(self, cloud, since):
        """Pages of (raw item, deletion time) of resources deleted since.

        Only APIs that keep deleted rows can say; the others yield
        nothing and their deletes are inferred from absence.
        """
        return iter(())


LIVE_STATE = 'active'


class ServerLister(Lister):
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
        'created_at': ['/OS-SRV-USG:launched_at', '/created'],
        'born_at': '/created',
        'updated_at': '/updated',
    }
    # Since microversion 2.47 each server embeds its flavor.
    attributes = {
        'state': {'path': '/OS-EXT-STS:vm_state', 'type': 'str'},
        'flavor_name': {'path': '/flavor/original_name', 'type': 'str'},
        'vcpus': {'path': '/flavor/vcpus', 'type': 'int'},
        'memory_mb': {'path': '/flavor/ram', 'type': 'int'},
        'root_gb': {'path': '/flavor/disk', 'type': 'int'},
        'ephemeral_gb': {'path': '/flavor/ephemeral', 'type': 'int'},
    }
    _deleted_at = _Getter('deleted_at', [
        '/OS-SRV-USG:terminated_at', '/updated'], type_='datetime',
        required=True)

    def __init__(self, conf):
        super().__init__(conf)
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


class CinderLister(Lister):
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


class NeutronLister(Lister):
    service_type = 'network'
    # Admins see every project's resources without a flag.
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'updated_at': '/updated_at'}


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


class ImageLister(Lister):
    resource_type = 'image'
    service_type = 'image'
    path = '/v2/images'
    collection = 'images'
    style = client.NEXT
    item_fields = {'project_id': '/owner', 'created_at': '/created_at',
                   'updated_at': '/updated_at'}
    attributes = {
        'state': {'path': '/status', 'type': 'str'},
        'size': {'path': '/size', 'type': 'int'},
        'disk_format': {'path': '/disk_format', 'type': 'str'},
    }


class LoadBalancerLister(Lister):
    resource_type = 'loadbalancer'
    service_type = 'load-balancer'
    path = '/v2/lbaas/loadbalancers'
    collection = 'loadbalancers'
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'updated_at': '/updated_at'}
    # The listing gives the flavor id only; the provider form of the
    # notifications (topology, compute flavor) keeps its tracked value.
    attributes = {'flavor_id': {'path': '/flavor_id', 'type': 'str'}}


class ZoneLister(Lister):
    resource_type = 'dns_zone'
    service_type = 'dns'
    path = '/v2/zones'
    collection = 'zones'
    style = client.LINKS_NEXT
    headers = {'X-Auth-All-Projects': 'True'}
    item_fields = {'project_id': '/project_id',
                   'created_at': '/created_at', 'updated_at': '/updated_at'}
    attributes = {'type': {'path': '/type', 'type': 'str'}}


LISTERS = {cls.resource_type: cls for cls in (
    ServerLister, VolumeLister, SnapshotLister, BackupLister,
    FloatingIPLister, RouterLister, ImageLister, LoadBalancerLister,
    ZoneLister)}
