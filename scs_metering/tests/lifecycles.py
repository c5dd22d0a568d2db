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
"""One life of every metered resource type, told by real samples.

Each message is a fixture from the shared tree, re-timed and, where the
fixtures of one type describe different objects, pointed at one object
(ids, project, sizes): the shape is always the real one. The expected
usage is worked out by hand from the times below, per meter, window (hours
after T0, or days for daily meters) and summary group.
"""

import copy
import dataclasses
import datetime
import decimal
import uuid

from scs_metering.common import timeutils
from scs_metering import events as ev
from scs_metering.tests import fixtures as fx

T0 = datetime.datetime(2026, 11, 2, 0, 0, tzinfo=datetime.timezone.utc)
DROP = object()
D = decimal.Decimal


def at(t0, minutes):
    return t0 + datetime.timedelta(minutes=minutes)


def set_pointer(document, pointer, value):
    *parents, last = pointer.lstrip('/').split('/')
    for part in parents:
        document = document[int(part) if isinstance(document, list)
                            else part]
    if value is DROP:
        document.pop(last, None)
    elif isinstance(document, list):
        document[int(last)] = value
    else:
        document[last] = value


def message(relative, when, message_id, overrides=None, **top):
    """A fixture as sent at ``when``, with payload overrides."""
    found = copy.deepcopy(fx.load(relative))
    for pointer, value in sorted((overrides or {}).items()):
        set_pointer(found, pointer,
                    value if value is DROP else copy.deepcopy(value))
    found.update(top)
    if '_unique_id' in found:
        # oslo.messaging drops a message whose _unique_id it has just
        # seen: each message sent has its own.
        found['_unique_id'] = uuid.uuid5(uuid.NAMESPACE_OID,
                                         message_id).hex
    return fx.on_the_wire(dict(found, message_id=message_id),
                          timestamp=when.strftime('%Y-%m-%d %H:%M:%S.%f'))


def iso(when):
    return when.strftime('%Y-%m-%dT%H:%M:%S')


@dataclasses.dataclass
class Lifecycle:
    service: str
    resource_type: str
    resource_id: str
    project_id: str
    messages: list
    # {(meter, window index from T0's window, summary values): quantity}
    usage: dict


def _ids(resource_type):
    return lambda i: ev.stable_id('lifecycle', resource_type, i)


def _nova(t0):
    vm = '178b0921-8f85-4257-88b6-2e743b5a975c'
    project = '6f70656e737461636b20342065766572'
    other = fx.flavor('other_flavor', 'd5a8bb54-365a-45ae-abdb-38d249df7845',
                      1, 256, 1)
    ids = _ids('instance')
    steps = [
        ('instance-create-end', 0, {}),
        ('instance-pause-end', 30, {}),
        ('instance-unpause-end', 60, {}),
        ('instance-suspend-end', 80, {}),
        ('instance-resume-end', 100, {}),
        ('instance-power_off-end', 120, {}),
        ('instance-power_on-end', 150, {}),
        ('instance-shelve-end', 180, {}),
        ('instance-shelve_offload-end', 190, {}),
        ('instance-unshelve-end', 210, {}),
        ('instance-rebuild-end', 225, {}),
        ('instance-live_migration_post-end', 240, {}),
        ('instance-resize_finish-end', 255, {}),
        ('instance-resize_revert-end', 260, {}),
        ('instance-resize_finish-end', 270, {}),
        ('instance-resize_confirm-end', 275, {'flavor': other}),
        ('instance-soft_delete-end', 300, {'flavor': other}),
        ('instance-restore-end', 330, {'flavor': other}),
        ('instance-delete-end', 360, {'flavor': other,
                                      'deleted_at': at(t0, 360)}),
    ]
    messages = [fx.instance(name, vm, project, 'fake', at(t0, minutes),
                            message_id=ids(i),
                            **dict({'launched_at': t0}, **data))
                for i, (name, minutes, data) in enumerate(steps)]
    test, other = 'test_flavor', 'other_flavor'
    usage = {
        (0, test, 'active'): 1800, (0, test, 'paused'): 1800,
        (1, test, 'active'): 2400, (1, test, 'suspended'): 1200,
        (2, test, 'stopped'): 1800, (2, test, 'active'): 1800,
        # Shelved is billed, offloaded is not; a rebuild and a live
        # migration change nothing.
        (3, test, 'shelved'): 600, (3, test, 'active'): 1800,
        # Resized, reverted, resized again and confirmed.
        (4, test, 'active'): 1500, (4, other, 'resized'): 600,
        (4, other, 'active'): 1500,
        # Soft-deleted for half an hour, restored, deleted at 14:00.
        (5, other, 'active'): 1800,
    }
    return Lifecycle('nova', 'instance', vm, project, messages, {
        ('instance', w, (f, s)): D(q) for (w, f, s), q in usage.items()})


def _volume(t0):
    vol, project = 'f54b1d2f-4514-4688-8da7-4bc66767b6be', 'p-volume'
    type_a = '3706aa72-cb65-4971-83e8-48e1477efd1d'
    type_b = 'a16c8514-616f-4d40-baf7-eb8c8fb18677'
    ids = _ids('volume')
    own = {'/payload/volume_id': vol, '/payload/tenant_id': project,
           '/payload/user_id': 'u-volume',
           '/payload/launched_at': iso(at(t0, 0))}
    steps = [
        ('cinder/volume.create.end.json', 0, {}),
        ('cinder/volume.attach.end.json', 20, {}),
        # A 2012 payload: the type is in volume_type_id.
        ('cinder/volume.resize.end.json', 60,
         {'/payload/size': 2, '/payload/volume_type_id': type_a}),
        ('cinder/volume.exists.json', 90,
         {'/payload/size': 2, '/payload/volume_type': type_a}),
        ('cinder/volume.retype.json', 120, {'/payload/size': 2}),
        ('cinder/volume.detach.end.json', 150,
         {'/payload/size': 2, '/payload/volume_type': type_b}),
        ('cinder/volume.delete.end.json', 180,
         {'/payload/size': 2, '/payload/volume_type': type_b}),
    ]
    messages = [message(name, at(t0, minutes), ids(i), dict(own, **extra))
                for i, (name, minutes, extra) in enumerate(steps)]
    return Lifecycle('cinder', 'volume', vol, project, messages, {
        ('volume.size', 0, (type_a,)): D(3600),
        ('volume.size', 1, (type_a,)): D(7200),
        ('volume.size', 2, (type_b,)): D(7200)})


def _snapshot(t0):
    snap, project = '56f91625-2fc5-4e4a-8284-4bfd3b3a1914', 'p-snapshot'
    ids = _ids('snapshot')
    own = {'/payload/snapshot_id': snap, '/payload/tenant_id': project,
           '/payload/user_id': 'u-snapshot', '/payload/volume_size': 1,
           '/payload/created_at': iso(at(t0, 15))}
    steps = [('cinder/snapshot.create.end.json', 15),
             ('cinder/snapshot.exists.json', 60),
             ('cinder/snapshot.delete.end.json', 105)]
    messages = [message(name, at(t0, minutes), ids(i), own)
                for i, (name, minutes) in enumerate(steps)]
    return Lifecycle('cinder', 'snapshot', snap, project, messages, {
        ('snapshot.size', 0, ()): D(2700),
        ('snapshot.size', 1, ()): D(2700)})


def backup_payload(backup_id, project, size, status, created_at):
    """A cinder backup usage payload.

    No real backup notification is public; the keys are exactly those of
    cinder's _usage_from_backup (cinder/volume/volume_utils.py), the
    values made up in their types.
    """
    return {
        'tenant_id': project, 'user_id': 'u-backup',
        'availability_zone': 'nova', 'backup_id': backup_id,
        'host': 'backup-host', 'display_name': 'nightly',
        'created_at': created_at, 'status': status,
        'volume_id': 'f54b1d2f-4514-4688-8da7-4bc66767b6be', 'size': size,
        'service_metadata': 'volume_f54b1d2f/20261102080000/az_nova',
        'service': 'cinder.backup.drivers.swift.SwiftBackupDriver',
        'fail_reason': None, 'parent_id': None, 'num_dependent_backups': 0,
        'snapshot_id': None}


def _backup(t0):
    backup, project = '7c0aa3f4-4f8b-4e1b-8f4a-1d5d2b3c4e5f', 'p-backup'
    ids = _ids('backup')
    # The wire envelope of a real cinder notification, a backup payload.
    steps = [('backup.create.end', 10, 'available'),
             ('backup.restore.end', 70, 'available'),
             ('backup.delete.end', 130, 'deleting')]
    messages = [message('cinder/snapshot.create.end.json', at(t0, minutes),
                        ids(i),
                        {'/payload': backup_payload(
                            backup, project, 5, status, iso(at(t0, 10)))},
                        event_type=event_type, publisher_id='backup.host')
                for i, (event_type, minutes, status) in enumerate(steps)]
    return Lifecycle('cinder', 'backup', backup, project, messages, {
        ('backup.size', 0, ()): D(5 * 3000),
        ('backup.size', 1, ()): D(5 * 3600),
        ('backup.size', 2, ()): D(5 * 600)})


def _floating_ip(t0):
    fip, project = '371d7b59-9b35-41c0-b165-6a7c8a5ff120', 'p-fip'
    net = '07dda449-9d7d-4eaf-991d-d81a0231d25c'
    ids = _ids('floating_ip')
    own = {'/payload/floatingip/id': fip,
           '/payload/floatingip/tenant_id': project}
    steps = [
        ('neutron/floatingip.create.start.json', 0,
         {'/payload/floatingip/tenant_id': project}),
        ('neutron/floatingip.create.end.json', 0, own),
        ('neutron/floatingip.update.end.json', 40, own),
        ('neutron/variants/floatingip.update.end__disassociate_'
         'searchlight_2016.json', 70,
         dict(own, **{'/payload/floatingip/floating_network_id': net})),
        # Before 2017 the delete names only the id.
        ('neutron/floatingip.delete.end.json', 120,
         {'/payload/floatingip_id': fip}),
    ]
    messages = [message(name, at(t0, minutes), ids(i), extra)
                for i, (name, minutes, extra) in enumerate(steps)]
    return Lifecycle('neutron', 'floating_ip', fip, project, messages, {
        ('floating_ip', 0, (False,)): D(2400),
        ('floating_ip', 0, (True,)): D(1200),
        ('floating_ip', 1, (True,)): D(600),
        ('floating_ip', 1, (False,)): D(3000)})


def _router(t0):
    router = '0b143748-44d2-4545-9230-864c3abbc786'
    ids = _ids('router')
    steps = [('neutron/router.create.end.json', 0),
             ('neutron/router.interface.create.json', 10),
             ('neutron/variants/router.update.end__gateway_set.json', 30),
             ('neutron/router.update.end.json', 60),
             ('neutron/router.interface.delete.json', 70),
             ('neutron/router.delete.end.json', 120)]
    messages = [message(name, at(t0, minutes), ids(i))
                for i, (name, minutes) in enumerate(steps)]
    return Lifecycle(
        'neutron', 'router', router, '5fe7c4e4e492490393c674089a178e19',
        messages, {('router', 0, (False,)): D(1800),
                   ('router', 0, (True,)): D(1800),
                   ('router', 1, (False,)): D(3600)})


def _metering_label(t0):
    label, project = '383244a7-e99b-433a-b4a1-d37cf5b17d15', 'p-label'
    ids = _ids('metering_label')
    old = {'/payload/tenant_id': project}
    # Since 2021 the payload says project_id.
    new = {'/payload/tenant_id': DROP, '/payload/project_id': project}
    steps = [(10, 1000, old), (40, 500, new), (60, 250, new), (90, 0, new)]
    messages = [message('neutron-metering/l3.meter.json', at(t0, minutes),
                        ids(i),
                        dict(owner, **{'/payload/bytes': volume}))
                for i, (minutes, volume, owner) in enumerate(steps)]
    return Lifecycle('neutron', 'metering_label', label, project, messages, {
        ('bandwidth', 0, ()): D(1500), ('bandwidth', 1, ()): D(250)})


def _image(t0):
    image, project = '7ba7087c-b81e-4807-b0e3-dd851f334add', 'p-image'
    size = 4979632
    ids = _ids('image')
    own = {'/payload/id': image, '/payload/owner': project}
    steps = [('glance/image.create.json', 0, own),
             ('glance/image.upload.json', 5, dict(own, **{
                 '/payload/size': size, '/payload/disk_format': 'aki'})),
             ('glance/image.update.json', 10, own),
             # A download: not billed.
             ('glance/image.send.json', 20, {'/payload/image_id': image}),
             ('glance/image.delete.json', 26 * 60, own)]
    messages = [message(name, at(t0, minutes), ids(i), extra)
                for i, (name, minutes, extra) in enumerate(steps)]
    # Daily windows: active from 00:10 to the next day's 02:00.
    return Lifecycle('glance', 'image', image, project, messages, {
        ('image.size', 0, ('aki',)): D(size * (24 * 3600 - 600)),
        ('image.size', 1, ('aki',)): D(size * 2 * 3600)})


def _swift_account(t0):
    account = 'd5a6b1c3e2f94a0b8c7d6e5f4a3b2c1d'
    ids = _ids('swift_account')
    relative = 'swift/objectstore.http.request.json'
    by_name = {m['metric']['name']: m
               for m in fx.load(relative)['payload']['measurements']}

    def measured(incoming, outgoing):
        # The middleware adds a measurement only for a non-zero count.
        return [dict(by_name[name], result=count) for name, count in (
            ('storage.objects.outgoing.bytes', outgoing),
            ('storage.objects.incoming.bytes', incoming)) if count]

    steps = [(10, 1, 28), (50, 100, 0), (60, 0, 7)]
    messages = [message(relative, at(t0, minutes), ids(i), {
        '/payload/target/id': account,
        '/payload/measurements': measured(incoming, outgoing)})
        for i, (minutes, incoming, outgoing) in enumerate(steps)]
    return Lifecycle('swift', 'swift_account', account, account, messages, {
        ('storage.objects.incoming.bytes', 0, ()): D(101),
        ('storage.objects.outgoing.bytes', 0, ()): D(28),
        ('storage.objects.outgoing.bytes', 1, ()): D(7)})


def _loadbalancer(t0):
    lb = '8d4c8f66-7ac1-408e-82d5-59f6fcdea9ee'
    ids = _ids('loadbalancer')
    # update.end and delete.end have the create.end's shape.
    steps = [('octavia.loadbalancer.create.end', 0),
             ('octavia.loadbalancer.update.end', 60),
             ('octavia.loadbalancer.delete.end', 150)]
    messages = [message('octavia/octavia.loadbalancer.create.end.json',
                        at(t0, minutes), ids(i), event_type=event_type)
                for i, (event_type, minutes) in enumerate(steps)]
    return Lifecycle(
        'octavia', 'loadbalancer', lb, 'qs59p6z696cp9cho8ze96edddvpfyvgz',
        messages, {('loadbalancer', 0, (None, None, None)): D(3600),
                   ('loadbalancer', 1, (None, None, None)): D(3600),
                   ('loadbalancer', 2, (None, None, None)): D(1800)})


def _dns_zone(t0):
    zone = '3081593e-10ca-408c-af77-1397e689c177'
    project = '80264096ac454d3d904002491fafe2ec'
    ids = _ids('dns_zone')
    steps = [('designate/dns.zone.create.json', 0, {}),
             ('designate/dns.recordset.create.json', 5, {}),
             ('designate/dns.zone.update.json', 30, {}),
             ('designate/dns.domain.exists.json', 60,
              {'/payload/id': zone, '/payload/tenant_id': project}),
             ('designate/dns.zone.delete.json', 135, {})]
    messages = [message(name, at(t0, minutes), ids(i), extra)
                for i, (name, minutes, extra) in enumerate(steps)]
    return Lifecycle('designate', 'dns_zone', zone, project, messages, {
        ('dns_zone', 0, ('PRIMARY',)): D(3600),
        ('dns_zone', 1, ('PRIMARY',)): D(3600),
        ('dns_zone', 2, ('PRIMARY',)): D(900)})


def all_lifecycles(t0=T0):
    """A Lifecycle per resource type, by type, starting at ``t0``.

    ``t0`` starts a UTC day, so that daily windows count from it too.
    """
    found = [make(t0) for make in (
        _nova, _volume, _snapshot, _backup, _floating_ip, _router,
        _metering_label, _image, _swift_account, _loadbalancer, _dns_zone)]
    return {lc.resource_type: lc for lc in found}


def observed(records, definitions, t0=T0):
    """Usage records in the form of Lifecycle.usage.

    A record corrected to zero (its usage moved elsewhere) is left out.
    """
    found = {}
    for record in records:
        if not record.quantity:
            continue
        meter = definitions.meters[record.meter]
        window = (record.window_start - timeutils.window_floor(
            t0, meter.window)) // datetime.timedelta(seconds=meter.window)
        key = (record.meter, window,
               tuple(record.attributes.get(k) for k in meter.summary_by))
        found[key] = found.get(key, 0) + record.quantity
    return found
