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
"""Every real non-nova sample through the shipped definitions.

Nova's samples are covered by test_converter. The expectations here are
read off the samples by hand (see SOURCES.md in the fixtures tree). One
life of every resource type, told by those samples, is metered into
exact windowed usage in test_lifecycle_usage.
"""

import datetime
import decimal
import os

from scs_metering.agent import converter
from scs_metering import events as ev
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx
from scs_metering.tests import lifecycles
from scs_metering.tests.unit import test_converter


def utc(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S').replace(
        tzinfo=datetime.timezone.utc)


SERVICES = {'cinder': 'cinder', 'neutron': 'neutron',
            'neutron-metering': 'neutron', 'glance': 'glance',
            'swift': 'swift', 'octavia': 'octavia',
            'designate': 'designate'}

VOL = 'f54b1d2f-4514-4688-8da7-4bc66767b6be'
VOL_PROJECT = '1816a16093df465dbc609cf638422a05'
VOL_USER = '3f7600957f0a444c98928d79debb72fb'
TYPE_A = '3706aa72-cb65-4971-83e8-48e1477efd1d'
TYPE_B = 'a16c8514-616f-4d40-baf7-eb8c8fb18677'
SNAP = '56f91625-2fc5-4e4a-8284-4bfd3b3a1914'
FIP = '371d7b59-9b35-41c0-b165-6a7c8a5ff120'
FIP_NET = '07dda449-9d7d-4eaf-991d-d81a0231d25c'
SEARCHLIGHT = '5fe7c4e4e492490393c674089a178e19'
ROUTER = '0b143748-44d2-4545-9230-864c3abbc786'
IMAGE = '7ba7087c-b81e-4807-b0e3-dd851f334add'
IMAGE_OWNER = 'e9869fa1d7584b91b3f88c25193116e7'
ZONE = '3081593e-10ca-408c-af77-1397e689c177'
ZONE_PROJECT = '80264096ac454d3d904002491fafe2ec'

# file -> (action, resource type, resource id, project, user, time,
# attributes)
LIFECYCLE = {
    'cinder/volume.create.end': (
        ev.CREATE, 'volume', VOL, VOL_PROJECT, VOL_USER,
        utc('2016-03-07 16:23:09'), {'size': 1, 'volume_type': TYPE_A}),
    'cinder/volume.update.end': (
        ev.UPDATE, 'volume', VOL, VOL_PROJECT, VOL_USER,
        utc('2016-03-07 16:23:10'), {'size': 1, 'volume_type': TYPE_A}),
    'cinder/volume.attach.end': (
        ev.UPDATE, 'volume', VOL, VOL_PROJECT, VOL_USER,
        utc('2016-03-07 16:23:31'), {'size': 1, 'volume_type': TYPE_A}),
    'cinder/volume.detach.end': (
        ev.UPDATE, 'volume', VOL, VOL_PROJECT, VOL_USER,
        utc('2016-03-07 16:24:41'), {'size': 1, 'volume_type': TYPE_A}),
    'cinder/volume.retype': (
        ev.UPDATE, 'volume', VOL, VOL_PROJECT,
        'c37016a2a0d34e299ffb32663fca9a8a', utc('2016-03-07 16:24:45'),
        {'size': 1, 'volume_type': TYPE_B}),
    'cinder/volume.delete.end': (
        ev.DELETE, 'volume', '342b0875-2c7a-48b7-a391-f4d6ea8987c0',
        VOL_PROJECT, 'c37016a2a0d34e299ffb32663fca9a8a',
        utc('2016-03-07 16:24:45'), {'size': 1, 'volume_type': TYPE_B}),
    # 2012 payloads: volume_type_id, here null.
    'cinder/volume.resize.end': (
        ev.UPDATE, 'volume', '3b761164-84b4-4eb3-8fcb-1974c641d6ef',
        '6c97f1ecf17047eab696786d56a0bff5',
        '4d2fa4b76a4a4ecab8c468c8dea42f89', utc('2012-09-21 10:24:13'),
        {'size': 3, 'volume_type': None}),
    'cinder/volume.exists': (
        ev.EXISTS, 'volume', '84c363b9-9854-48dc-b949-fe04263f4cf0',
        '6c97f1ecf17047eab696786d56a0bff5',
        '4d2fa4b76a4a4ecab8c468c8dea42f89', utc('2012-09-21 09:29:10'),
        {'size': 2, 'volume_type': None}),
    'cinder/snapshot.create.end': (
        ev.CREATE, 'snapshot', SNAP, '75c31cdaa3604b76b7e279de50aec9f0',
        'd2ac2752732444adac10fc4911fdac75', utc('2016-03-07 17:24:50'),
        {'size': 1}),
    'cinder/snapshot.delete.end': (
        ev.DELETE, 'snapshot', SNAP, '75c31cdaa3604b76b7e279de50aec9f0',
        'd2ac2752732444adac10fc4911fdac75', utc('2016-03-07 17:25:44'),
        {'size': 1}),
    'cinder/snapshot.exists': (
        ev.EXISTS, 'snapshot', 'dd163129-9476-4cf5-9311-dd425324d8d8',
        'compliance', 'e0271f64847b49429bb304c775c7427a',
        utc('2012-09-21 09:29:10'), {'size': 3}),
    'neutron/floatingip.create.end': (
        ev.CREATE, 'floating_ip', FIP, '882f9abf240f414a86f687388cecc3b1',
        None, utc('2016-03-31 15:09:53'),
        {'floating_network_id': FIP_NET, 'attached': False}),
    'neutron/floatingip.update.end': (
        ev.UPDATE, 'floating_ip', FIP, '882f9abf240f414a86f687388cecc3b1',
        None, utc('2016-03-31 15:11:29'),
        {'floating_network_id': FIP_NET, 'attached': True}),
    'neutron/floatingip.exists': (
        ev.EXISTS, 'floating_ip', '2b7cc28c-6f78-4735-9246-257168405de6',
        '6e5f9df9b3a249ab834f25fe1b1b81fd', None,
        utc('2012-09-27 14:11:27'),
        {'floating_network_id': '001400f7-1710-4245-98c3-39ba131cc39a',
         'attached': False}),
    # The 2016 delete names only the id, so no project.
    'neutron/floatingip.delete.end': (
        ev.DELETE, 'floating_ip', '1a124625-4c71-4d20-a65b-3cf34465dab2',
        None, None, utc('2016-06-14 20:11:34'), {}),
    'neutron/variants/floatingip.create.end__searchlight_2016': (
        ev.CREATE, 'floating_ip', '1a124625-4c71-4d20-a65b-3cf34465dab2',
        SEARCHLIGHT, None, utc('2016-06-14 19:45:48'),
        {'floating_network_id': '5f7774a3-759f-4798-92f0-5ef59c88705c',
         'attached': False}),
    'neutron/variants/floatingip.update.end__disassociate_searchlight_2016': (
        ev.UPDATE, 'floating_ip', '1a124625-4c71-4d20-a65b-3cf34465dab2',
        SEARCHLIGHT, None, utc('2016-06-14 20:00:49'),
        {'floating_network_id': '5f7774a3-759f-4798-92f0-5ef59c88705c',
         'attached': False}),
    'neutron/variants/floatingip.update.end__disassociate_designate_2012': (
        ev.UPDATE, 'floating_ip', 'f38ff2b6-cd4d-433e-8a9c-9e00dfc05b1e',
        'c97027dd880d4c129ae7a4ba7edade05', None,
        utc('2012-11-18 01:35:08'),
        {'floating_network_id': 'd9edfcd5-f245-4f45-be26-4383942fd74c',
         'attached': False}),
    'neutron/router.create.end': (
        ev.CREATE, 'router', ROUTER, SEARCHLIGHT, None,
        utc('2016-03-13 23:36:25'),
        {'external_gateway': False, 'external_network_id': None}),
    'neutron/router.update.end': (
        ev.UPDATE, 'router', ROUTER, SEARCHLIGHT, None,
        utc('2016-03-13 23:38:18'),
        {'external_gateway': False, 'external_network_id': None}),
    'neutron/variants/router.update.end__gateway_set': (
        ev.UPDATE, 'router', ROUTER, SEARCHLIGHT, None,
        utc('2016-03-13 23:46:39'),
        {'external_gateway': True,
         'external_network_id': '8891323e-bf5b-48d7-a75e-669af0608538'}),
    'neutron/router.exists': (
        ev.EXISTS, 'router', 'ab8bb3ed-df23-4ca0-8f03-b887abcd5c23',
        'bb04a2b769c94917b57ba49df7783cfd', None,
        utc('2012-09-27 14:11:27'),
        {'external_gateway': True,
         'external_network_id': '89d55642-4dec-43a4-a617-6cec051393b5'}),
    'neutron/router.delete.end': (
        ev.DELETE, 'router', ROUTER, None, None, utc('2016-03-14 00:44:57'),
        {}),
    'glance/image.create': (
        ev.CREATE, 'image', IMAGE, IMAGE_OWNER, None,
        utc('2015-09-01 08:57:35'),
        {'state': 'queued', 'size': 4979632, 'disk_format': 'aki'}),
    'glance/image.update': (
        ev.UPDATE, 'image', IMAGE, IMAGE_OWNER, None,
        utc('2015-09-01 09:56:18'),
        {'state': 'active', 'size': 4979632, 'disk_format': 'aki'}),
    'glance/image.delete': (
        ev.DELETE, 'image', IMAGE, IMAGE_OWNER, None,
        utc('2015-09-01 09:56:18'),
        {'state': 'active', 'size': 4979632, 'disk_format': 'aki'}),
    'glance/image.upload': (
        ev.UPDATE, 'image', 'cccccccc-cccc-cccc-cccccccccccc', 'fake', None,
        utc('2012-09-18 10:13:44'),
        {'state': 'saving', 'size': 19, 'disk_format': 'vhd'}),
    'octavia/octavia.loadbalancer.create.end': (
        ev.CREATE, 'loadbalancer', '8d4c8f66-7ac1-408e-82d5-59f6fcdea9ee',
        'qs59p6z696cp9cho8ze96edddvpfyvgz', None,
        utc('2022-04-22 23:02:15'),
        {'flavor_id': None, 'topology': None, 'compute_flavor': None}),
    'designate/dns.zone.create': (
        ev.CREATE, 'dns_zone', ZONE, ZONE_PROJECT, None,
        utc('2016-03-31 05:30:02'), {'type': 'PRIMARY'}),
    'designate/dns.zone.update': (
        ev.UPDATE, 'dns_zone', ZONE, ZONE_PROJECT, None,
        utc('2016-03-31 05:31:10'), {'type': 'PRIMARY'}),
    'designate/dns.zone.delete': (
        ev.DELETE, 'dns_zone', ZONE, ZONE_PROJECT, None,
        utc('2016-03-31 17:39:05'), {'type': 'PRIMARY'}),
    # Before secondary zones, no type: every zone was primary.
    'designate/dns.domain.exists': (
        ev.EXISTS, 'dns_zone', 'a8b55824-e731-40a3-a32d-de81474d74b2',
        '76538754af6548f5b53cf9af2d35d582', None,
        utc('2015-07-10 21:05:29'), {'type': 'PRIMARY'}),
}

# file -> (resource type, resource id, project, user, time, attributes,
# {meter: volume})
SAMPLES = {
    'neutron-metering/l3.meter': (
        'metering_label', '383244a7-e99b-433a-b4a1-d37cf5b17d15', 'admin',
        None, utc('2013-08-22 13:14:06'), {'host': 'precise64'},
        {'bandwidth': decimal.Decimal(0)}),
    # The target is the account, "account" once its prefix is stripped.
    'swift/objectstore.http.request': (
        'swift_account', 'account', 'account',
        'openstack: 288f6260-bf37-4737-a178-5038c84ba244',
        utc('2013-07-29 06:51:34'), {},
        {'storage.objects.incoming.bytes': decimal.Decimal(1),
         'storage.objects.outgoing.bytes': decimal.Decimal(28)}),
}

START = 'A .start event announces a change'
NOT_BILLED = 'Networks, subnets, ports'
# file -> the start of the ignore reason.
IGNORED = {
    'cinder/volume.delete.start': START,
    'neutron/floatingip.create.start': START,
    'neutron/floatingip.update.start': START,
    'neutron/network.create.end': NOT_BILLED,
    'neutron/network.update.end': NOT_BILLED,
    'neutron/network.delete.end': NOT_BILLED,
    'neutron/network.exists': NOT_BILLED,
    'neutron/subnet.create.end': NOT_BILLED,
    'neutron/subnet.update.end': NOT_BILLED,
    'neutron/subnet.delete.end': NOT_BILLED,
    'neutron/port.create.end': NOT_BILLED,
    'neutron/port.update.end': NOT_BILLED,
    'neutron/port.delete.end': NOT_BILLED,
    'neutron/variants/port.update.end__detach': NOT_BILLED,
    'neutron/variants/port.delete.end__designate_2012': NOT_BILLED,
    'neutron/router.interface.create': 'Adding or removing a router',
    'neutron/router.interface.delete': 'Adding or removing a router',
    'glance/image.send': 'An image download is not billed',
    'designate/dns.recordset.create': 'Record sets are not billed',
    'designate/dns.recordset.update': 'Record sets are not billed',
    'designate/dns.recordset.delete': 'Record sets are not billed',
}


class ConverterCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.converter = converter.Converter(self.defs)

    def convert(self, name):
        message = fx.load(name + '.json')
        outcome = self.converter.convert(SERVICES[name.split('/')[0]],
                                         message)
        self.assertEqual([], [q.reason for q in outcome.quarantined], name)
        return message, outcome


class FixtureTest(ConverterCase):

    def test_every_fixture_is_covered(self):
        # A new sample in the fixtures must get an expectation here or in
        # test_converter.
        files = {os.path.splitext(f)[0] for f in fx.all_notification_files()}
        nova = ({'nova/' + n for n in test_converter.VERSIONED} |
                {'nova-legacy/' + n for n in test_converter.LEGACY} |
                set(test_converter.IGNORED) | set(test_converter.COUNTED))
        mine = set(LIFECYCLE) | set(SAMPLES) | set(IGNORED)
        self.assertEqual(set(), nova & mine)
        self.assertEqual(sorted(files), sorted(nova | mine))

    def test_lifecycle_samples(self):
        for name, expected in sorted(LIFECYCLE.items()):
            message, outcome = self.convert(name)
            self.assertEqual(1, len(outcome.events), name)
            [event] = outcome.events
            self.assertEqual(expected, (
                event.action, event.resource_type, event.resource_id,
                event.project_id, event.user_id, event.time,
                event.attributes), name)
            self.assertEqual((message['message_id'], message['event_type']),
                             (event.message_id, event.event_type))

    def test_metered_samples(self):
        for name, expected in sorted(SAMPLES.items()):
            message, outcome = self.convert(name)
            (resource_type, resource_id, project, user, when, attributes,
             volumes) = expected
            self.assertEqual(volumes, {e.meter: e.volume
                                       for e in outcome.events}, name)
            for event in outcome.events:
                self.assertEqual(
                    (ev.SAMPLE, resource_type, resource_id, project, user,
                     when, attributes),
                    (event.action, event.resource_type, event.resource_id,
                     event.project_id, event.user_id, event.time,
                     event.attributes), name)
            # One event per meter, each with its own stable id.
            self.assertEqual(len(volumes), len({e.id for e in
                                                outcome.events}))

    def test_ignored_samples(self):
        for name, reason in sorted(IGNORED.items()):
            message, outcome = self.convert(name)
            self.assertEqual((1, []), (outcome.ignored, outcome.events),
                             name)
            rule = self.defs.lookup(SERVICES[name.split('/')[0]],
                                    message['event_type'])
            self.assertTrue(rule.reason.startswith(reason), name)

    def test_unknown_types_are_quarantined(self):
        for service in sorted(set(SERVICES.values())):
            outcome = self.converter.convert(service, {
                'event_type': 'compute.unheard_of', 'payload': {}})
            self.assertEqual(
                ["unknown event type 'compute.unheard_of' from %s: no "
                 "definition meters or ignores it" % service],
                [q.reason for q in outcome.quarantined])

    def test_granular_traffic_is_not_counted_twice(self):
        message = fx.load('neutron-metering/l3.meter.json')
        for granularity in ('label', 'router', 'project', 'label_router',
                            'label_project'):
            outcome = self.converter.convert('neutron', dict(
                message, event_type='l3.meter.' + granularity))
            self.assertEqual((1, []), (outcome.ignored, outcome.events))

    def test_new_project_id_payloads(self):
        # neutron renamed tenant_id to project_id: both are read.
        message = fx.load('neutron-metering/l3.meter.json')
        payload = dict(message['payload'], project_id='p-new')
        del payload['tenant_id']
        [event] = self.converter.convert(
            'neutron', dict(message, payload=payload)).events
        self.assertEqual('p-new', event.project_id)
        fip = fx.load('neutron/floatingip.update.end.json')
        fip['payload']['floatingip']['project_id'] = 'p-new'
        del fip['payload']['floatingip']['tenant_id']
        [event] = self.converter.convert('neutron', fip).events
        self.assertEqual('p-new', event.project_id)

    def test_current_neutron_delete_carries_the_object(self):
        # Since 2017: {"floatingip_id": ..., "floatingip": {...}}.
        created = fx.load('neutron/floatingip.create.end.json')
        deleted = fx.load('neutron/floatingip.delete.end.json')
        deleted['payload'] = {'floatingip_id': FIP,
                              'floatingip': created['payload']['floatingip']}
        [event] = self.converter.convert('neutron', deleted).events
        self.assertEqual((ev.DELETE, FIP, '882f9abf240f414a86f687388cecc3b1'),
                         (event.action, event.resource_id, event.project_id))

    def test_octavia_provider_form(self):
        # What octavia's flows send (lb_dict_to_provider_dict): the id as
        # loadbalancer_id, no flavor_id, the flavor's metadata as flavor.
        message = fx.load('octavia/octavia.loadbalancer.create.end.json')
        payload = dict(message['payload'],
                       loadbalancer_id=message['payload']['id'],
                       flavor={'loadbalancer_topology': 'ACTIVE_STANDBY',
                               'compute_flavor': 'amphora-4'})
        for key in ('id', 'flavor_id', 'provisioning_status',
                    'operating_status'):
            del payload[key]
        [event] = self.converter.convert(
            'octavia', dict(message, payload=payload)).events
        self.assertEqual(
            ('8d4c8f66-7ac1-408e-82d5-59f6fcdea9ee',
             {'flavor_id': None, 'topology': 'ACTIVE_STANDBY',
              'compute_flavor': 'amphora-4'}),
            (event.resource_id, event.attributes))

    def test_backup_from_cinders_usage_fields(self):
        # No real backup notification is public: the payload has exactly
        # the keys of cinder's _usage_from_backup.
        for event_type, action in (('backup.create.end', ev.CREATE),
                                   ('backup.exists', ev.EXISTS),
                                   ('backup.restore.end', ev.UPDATE),
                                   ('backup.delete.end', ev.DELETE)):
            message = lifecycles.message(
                'cinder/snapshot.create.end.json', lifecycles.T0,
                'm-' + event_type,
                {'/payload': lifecycles.backup_payload(
                    'b-1', 'p-1', 3, 'available', '2026-11-02T07:59:00')},
                event_type=event_type)
            [event] = self.converter.convert('cinder', message).events
            self.assertEqual(
                (action, 'backup', 'b-1', 'p-1', 'u-backup',
                 lifecycles.T0, {'size': 3}),
                (event.action, event.resource_type, event.resource_id,
                 event.project_id, event.user_id, event.time,
                 event.attributes))
        message = lifecycles.message(
            'cinder/snapshot.create.end.json', lifecycles.T0, 'm',
            {'/payload': lifecycles.backup_payload(
                'b-1', 'p-1', 3, 'creating', None)},
            event_type='backup.create.start')
        self.assertEqual(1, self.converter.convert('cinder',
                                                   message).ignored)
