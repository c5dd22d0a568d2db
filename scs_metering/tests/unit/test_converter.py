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
"""Every real nova sample through the converter, with the shipped rules.

The expectations are read off the samples by hand (see SOURCES.md in the
fixtures tree), not off the converter's output.
"""

import datetime
import json
import os

from scs_metering.agent import converter
from scs_metering.agent import envelope
from scs_metering import events as ev
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx


def utc(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S').replace(
        tzinfo=datetime.timezone.utc)


# Nova's documentation samples carry no timestamp; on the wire they get
# this one, later than any time in their payloads, so that the tests tell
# payload times from the emission time.
WIRE_TIME = '2012-10-29 14:05:09.654321'
EMITTED = utc('2012-10-29 14:05:09')
SAMPLE_TIME = utc('2012-10-29 13:42:11')

VM = '178b0921-8f85-4257-88b6-2e743b5a975c'
PROJECT = '6f70656e737461636b20342065766572'
TEST_FLAVOR = {'flavor_name': 'test_flavor',
               'flavor_id': 'a22d5517-147c-4147-a0d1-e698df5cd4e3',
               'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
               'ephemeral_gb': 0}

# Versioned samples: file -> (action, event time, state, flavor). A delete
# reports the state its life is billed in if nothing else of it is known.
VERSIONED = {
    'instance-create-end': (ev.CREATE, SAMPLE_TIME, 'active', TEST_FLAVOR),
    'instance-delete-end': (ev.DELETE, SAMPLE_TIME, 'active', TEST_FLAVOR),
    'instance-exists': (ev.EXISTS, EMITTED, 'active', TEST_FLAVOR),
    'instance-live_migration_abort-end': (ev.UPDATE, EMITTED, 'active',
                                          TEST_FLAVOR),
    'instance-live_migration_force_complete-end': (ev.UPDATE, EMITTED,
                                                   'active', TEST_FLAVOR),
    'instance-live_migration_post-end': (ev.UPDATE, EMITTED, 'active',
                                         TEST_FLAVOR),
    'instance-live_migration_post_dest-end': (ev.UPDATE, EMITTED, 'active',
                                              TEST_FLAVOR),
    'instance-live_migration_pre-end': (ev.UPDATE, EMITTED, 'active',
                                        TEST_FLAVOR),
    'instance-live_migration_rollback-end': (ev.UPDATE, EMITTED, 'active',
                                             TEST_FLAVOR),
    'instance-live_migration_rollback_dest-end': (ev.UPDATE, EMITTED,
                                                  'active', TEST_FLAVOR),
    'instance-pause-end': (ev.UPDATE, EMITTED, 'paused', TEST_FLAVOR),
    'instance-power_off-end': (ev.UPDATE, EMITTED, 'stopped', TEST_FLAVOR),
    'instance-power_on-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-rebuild-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-resize-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-resize_confirm-end': (ev.UPDATE, EMITTED, 'active', {
        'flavor_name': 'm1.small', 'flavor_id': '2', 'vcpus': 1,
        'memory_mb': 2048, 'root_gb': 20, 'ephemeral_gb': 0}),
    'instance-resize_finish-end': (ev.UPDATE, EMITTED, 'resized', {
        'flavor_name': 'other_flavor',
        'flavor_id': 'd5a8bb54-365a-45ae-abdb-38d249df7845', 'vcpus': 1,
        'memory_mb': 256, 'root_gb': 1, 'ephemeral_gb': 0}),
    'instance-resize_revert-end': (ev.UPDATE, EMITTED, 'active',
                                   TEST_FLAVOR),
    'instance-restore-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-resume-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-shelve-end': (ev.UPDATE, EMITTED, 'shelved', TEST_FLAVOR),
    'instance-shelve_offload-end': (ev.UPDATE, EMITTED,
                                    'shelved_offloaded', TEST_FLAVOR),
    'instance-soft_delete-end': (ev.UPDATE, EMITTED, 'soft-delete',
                                 TEST_FLAVOR),
    'instance-suspend-end': (ev.UPDATE, EMITTED, 'suspended', TEST_FLAVOR),
    'instance-unpause-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-unshelve-end': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
    'instance-update': (ev.UPDATE, EMITTED, 'active', TEST_FLAVOR),
}

NANO = {'flavor_name': 'm1.nano', 'flavor_id': '42', 'vcpus': 1,
        'memory_mb': 64, 'root_gb': 0, 'ephemeral_gb': 0}
TID = {'flavor_name': 'TID-01CPU-512MB-20GB', 'flavor_id': '103',
       'vcpus': 1, 'memory_mb': 512, 'root_gb': 20, 'ephemeral_gb': 0}
# Legacy payloads before instance_flavor_id (2013) name the flavor only.
TINY = {'flavor_name': 'm1.tiny', 'flavor_id': None, 'vcpus': 1,
        'memory_mb': 512, 'root_gb': 0, 'ephemeral_gb': 0}
SMALL = {'flavor_name': 'm1.small', 'flavor_id': None, 'vcpus': 1,
         'memory_mb': 2048, 'root_gb': 20, 'ephemeral_gb': 0}

# Legacy samples are wire captures: file -> (action, resource, project,
# user, time, started_at, state, flavor).
LEGACY = {
    'compute.instance.create.end': (
        ev.CREATE, '42a4fd45-909a-4678-8d68-5bed2698d5b1',
        '882f9abf240f414a86f687388cecc3b1',
        'b8c6d91708314e8abc1f8cd8f375cc06',
        utc('2016-03-31 14:44:28'), utc('2016-03-31 14:44:28'), 'active',
        TID),
    'compute.instance.delete.end': (
        ev.DELETE, '12345678-1234-5678-1234-567812345678', 'project_string',
        'user_fffffffffffffffffffffffffff', utc('2018-10-26 23:59:56'),
        utc('2018-10-26 23:59:22'), 'active', NANO),
    'compute.instance.exists': (
        ev.EXISTS, '3a513875-95c9-4012-a3e7-f90c678854e5',
        '7c150a59fe714e6f9263774af9688f0e',
        '1e3ce043029547f1a61c1996d1a531a2', utc('2012-05-08 16:03:44'),
        utc('2012-05-07 23:01:27'), 'active', TINY),
    'compute.instance.finish_resize.end': (
        ev.UPDATE, '648e8963-6886-4c3c-98f9-4511c292f86b',
        'cea4b25edb484e5392727181b7721d29',
        '01b83a5e23f24a6fb6cd073c0aee6eed', utc('2013-01-04 15:10:17'),
        utc('2013-01-04 15:10:14'), 'resized', SMALL),
    'compute.instance.resize.revert.end': (
        ev.UPDATE, '648e8963-6886-4c3c-98f9-4511c292f86b',
        'cea4b25edb484e5392727181b7721d29',
        '01b83a5e23f24a6fb6cd073c0aee6eed', utc('2013-01-04 15:20:32'),
        utc('2013-01-04 15:10:14'), 'resized', TINY),
    'compute.instance.update': (
        ev.UPDATE, '42a4fd45-909a-4678-8d68-5bed2698d5b1',
        '882f9abf240f414a86f687388cecc3b1',
        'b8c6d91708314e8abc1f8cd8f375cc06', utc('2016-03-31 14:44:29'),
        utc('2016-03-31 14:44:28'), 'active', TID),
    'variants/compute.instance.create.end__ceilometer_2012': (
        ev.CREATE, '9f9d01b9-4a58-4271-9e27-398b21ab20d1',
        '7c150a59fe714e6f9263774af9688f0e',
        '1e3ce043029547f1a61c1996d1a531a2', utc('2012-05-08 20:23:47'),
        utc('2012-05-08 20:23:47'), 'active', TINY),
    'variants/compute.instance.create.end__designate_2012': (
        ev.CREATE, '3e301a55-fbbe-478d-92d0-eefabf135c38',
        '33a88272e06a49c1a0f653abc374b56b',
        '953f8394fa044302b7d42f47228e427d', utc('2012-11-03 17:54:48'),
        utc('2012-11-03 17:54:48'), 'active', TINY),
}

# Counter samples, tested in test_volume_usage.
COUNTED = ['nova/volume-usage']
START = 'A .start event announces a change'
CATALOG = 'Catalog, scheduling and host events'
# Samples that are not usage: file -> the start of the ignore reason.
IGNORED = {
    'nova/flavor-create': CATALOG,
    'nova/flavor-delete': CATALOG,
    'nova/flavor-update': CATALOG,
    'nova/instance-create-start': START,
    'nova/instance-delete-start': START,
    'nova-legacy/compute.instance.create.start': START,
    'nova-legacy/compute.instance.delete.start': START,
}


class ConverterTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.converter = converter.Converter(self.defs)

    def convert(self, message, service='nova'):
        return self.converter.convert(service, message)

    def only_event(self, message):
        outcome = self.convert(message)
        self.assertEqual([], [q.reason for q in outcome.quarantined])
        self.assertEqual(0, outcome.ignored)
        self.assertEqual(1, len(outcome.events))
        return outcome.events[0]

    def reason(self, message, service='nova'):
        outcome = self.convert(message, service)
        self.assertEqual([], outcome.events)
        self.assertEqual(1, len(outcome.quarantined))
        return outcome.quarantined[0].reason


class SamplesTest(ConverterTestCase):

    def test_every_nova_sample_is_covered(self):
        # A new sample in the fixtures must get an expectation here.
        files = {os.path.splitext(f)[0] for f in fx.all_notification_files()
                 if f.startswith(('nova/', 'nova-legacy/'))}
        covered = ({'nova/' + n for n in VERSIONED} |
                   {'nova-legacy/' + n for n in LEGACY} | set(IGNORED) |
                   set(COUNTED))
        self.assertEqual(sorted(files), sorted(covered))

    def test_versioned_samples(self):
        for name, (action, when, state, flavor) in sorted(
                VERSIONED.items()):
            message = fx.on_the_wire(fx.nova(name), timestamp=WIRE_TIME)
            event = self.only_event(message)
            started = None if name == 'instance-update' else SAMPLE_TIME
            self.assertEqual(
                ('instance', VM, PROJECT, 'fake', action, when, started,
                 dict(flavor, state=state)),
                (event.resource_type, event.resource_id, event.project_id,
                 event.user_id, event.action, event.time, event.started_at,
                 event.attributes), name)
            self.assertEqual(message['message_id'], event.message_id)
            self.assertEqual(message['event_type'], event.event_type)
            self.assertEqual(ev.NOTIFICATION, event.provenance)

    def test_legacy_samples(self):
        for name, expected in sorted(LEGACY.items()):
            (action, vm, project, user, when, started, state,
             flavor) = expected
            message = fx.legacy(name)
            event = self.only_event(message)
            self.assertEqual(
                ('instance', vm, project, user, action, when, started,
                 dict(flavor, state=state)),
                (event.resource_type, event.resource_id, event.project_id,
                 event.user_id, event.action, event.time, event.started_at,
                 event.attributes), name)
            self.assertEqual(message['message_id'], event.message_id)

    def test_ignored_samples(self):
        for name, reason in sorted(IGNORED.items()):
            message = fx.on_the_wire(fx.load(name + '.json'))
            outcome = self.convert(message)
            self.assertEqual((1, [], []), (outcome.ignored, outcome.events,
                                           outcome.quarantined), name)
            rule = self.defs.lookup('nova', message['event_type'])
            self.assertTrue(rule.reason.startswith(reason), name)

    def test_times_come_from_the_payload(self):
        # create: launched_at; delete: deleted_at, then terminated_at.
        created = self.only_event(fx.on_the_wire(fx.nova(
            'instance-create-end', {'launched_at': '2026-11-02T08:00:12Z'}),
            timestamp='2026-11-02 08:00:20.123'))
        self.assertEqual(utc('2026-11-02 08:00:12'), created.time)
        deleted = self.only_event(fx.on_the_wire(fx.nova(
            'instance-delete-end', {'deleted_at': None,
                                    'terminated_at': '2026-11-02T09:30:00Z'}),
            timestamp='2026-11-02 09:30:04.5'))
        self.assertEqual(utc('2026-11-02 09:30:00'), deleted.time)

    def test_update_without_timestamp_uses_updated_at(self):
        # nova's bare documentation sample: no timestamp, no message_id.
        event = self.only_event(fx.nova('instance-pause-end'))
        self.assertEqual(SAMPLE_TIME, event.time)

    def test_fractions_of_a_second_are_dropped(self):
        event = self.only_event(fx.legacy('compute.instance.create.end'))
        # launched_at is 14:44:28.870676: floored, never rounded up.
        self.assertEqual(0, event.time.microsecond)
        self.assertEqual(utc('2016-03-31 14:44:28'), event.time)

    def test_event_ids_are_stable(self):
        message = fx.legacy('compute.instance.update')
        first = self.only_event(message)
        again = self.only_event(json.loads(json.dumps(message)))
        self.assertEqual(first.id, again.id)
        other = self.only_event(dict(message, message_id='another'))
        self.assertNotEqual(first.id, other.id)

    def test_samples_without_message_id_are_keyed_by_content(self):
        first = self.only_event(fx.nova('instance-pause-end'))
        again = self.only_event(fx.nova('instance-pause-end'))
        other = self.only_event(fx.nova('instance-unpause-end'))
        self.assertEqual(first.id, again.id)
        self.assertNotEqual(first.id, other.id)

    def test_events_survive_the_wire(self):
        event = self.only_event(fx.legacy('compute.instance.delete.end'))
        self.assertEqual(event, ev.Event.from_wire(
            json.loads(json.dumps(event.to_wire()))))


class QuarantineTest(ConverterTestCase):

    def test_not_a_dict(self):
        for message in (['a', 'list'], 'text', 42, None):
            self.assertEqual(
                'malformed message: expected a JSON object, got %s' %
                type(message).__name__, self.reason(message))

    def test_no_event_type(self):
        message = fx.legacy('compute.instance.update')
        del message['event_type']
        self.assertEqual('malformed message: no event_type',
                         self.reason(message))
        self.assertEqual('malformed message: no event_type',
                         self.reason(dict(message, event_type=7)))

    def test_payload_not_an_object(self):
        for payload in ('{"uuid": "x"}', None, [1, 2]):
            message = fx.legacy('compute.instance.update', payload=None)
            message['payload'] = payload
            self.assertEqual('malformed message: payload is not a JSON '
                             'object', self.reason(message))

    def test_missing_resource_id(self):
        message = fx.on_the_wire(fx.nova('instance-pause-end'))
        del message['payload']['nova_object.data']['uuid']
        self.assertEqual('missing field resource_id (/payload/uuid)',
                         self.reason(message))

    def test_missing_project(self):
        message = fx.legacy('compute.instance.create.end')
        del message['payload']['tenant_id']
        self.assertEqual('missing field project_id (/payload/tenant_id)',
                         self.reason(message))

    def test_missing_state(self):
        message = fx.legacy('compute.instance.exists', {'state': ''})
        self.assertEqual('missing field state (/payload/state)',
                         self.reason(message))

    def test_wrong_type(self):
        message = fx.legacy('compute.instance.create.end', {'vcpus': 'abc'})
        self.assertEqual("wrong type for field vcpus at /payload/vcpus: "
                         "expected an integer, got 'abc'",
                         self.reason(message))
        message = fx.on_the_wire(fx.nova('instance-create-end', {
            'flavor': {'nova_object.data': {'memory_mb': [512]}}}))
        self.assertEqual('wrong type for field memory_mb at '
                         '/payload/flavor/memory_mb: expected an integer, '
                         'got [512]', self.reason(message))

    def test_wrong_time(self):
        message = fx.on_the_wire(fx.nova('instance-delete-end',
                                         {'deleted_at': 'yesterday'}))
        self.assertEqual("wrong type for field time at /payload/deleted_at: "
                         "expected a time, got 'yesterday'",
                         self.reason(message))
        message = fx.on_the_wire(fx.nova('instance-create-end',
                                         {'launched_at': 'yesterday'}))
        self.assertEqual("wrong type for field started_at at "
                         "/payload/launched_at: expected a time, got "
                         "'yesterday'", self.reason(message))

    def test_integral_strings_and_floats_are_accepted(self):
        event = self.only_event(fx.legacy('compute.instance.create.end', {
            'vcpus': '2', 'memory_mb': 1024.0}))
        self.assertEqual((2, 1024), (event.attributes['vcpus'],
                                     event.attributes['memory_mb']))

    def test_unknown_event_type(self):
        message = fx.legacy('compute.instance.update',
                            event_type='compute.frobnicate')
        self.assertEqual("unknown event type 'compute.frobnicate' from nova: "
                         "no definition meters or ignores it",
                         self.reason(message))

    def test_service_without_definitions(self):
        message = fx.legacy('compute.instance.update')
        self.assertEqual("unknown event type 'compute.instance.update' from "
                         "trove: no definition meters or ignores it",
                         self.reason(message, service='trove'))

    def test_quarantine_keeps_the_message(self):
        message = fx.legacy('compute.instance.create.end', {'vcpus': 'abc'})
        entry = self.convert(message).quarantined[0]
        self.assertEqual(
            ('nova', 'compute.instance.create.end',
             message['publisher_id'], message['message_id']),
            (entry.service, entry.event_type, entry.publisher_id,
             entry.message_id))
        self.assertEqual(message, json.loads(entry.raw))

    def test_quarantine_of_non_json_values(self):
        entry = self.convert(b'\xff{not json').quarantined[0]
        # The byte keeps its value, escaped (issue 13, finding 7).
        self.assertEqual('\\xff{not json', entry.raw)
        self.assertIsNone(entry.event_type)
        entry = self.convert({'event_type': {'odd': 1},
                              'payload': {}}).quarantined[0]
        self.assertEqual("{'odd': 1}", entry.event_type)

    def test_one_bad_message_does_not_stop_the_batch(self):
        outcome = converter.Outcome()
        good = fx.legacy('compute.instance.update')
        for message in (good, 'junk', fx.legacy(
                'compute.instance.create.start'), good):
            self.converter.convert('nova', message, outcome)
        self.assertEqual((2, 1, 1), (len(outcome.events),
                                     len(outcome.quarantined),
                                     outcome.ignored))


class UnwrapObjectsTest(base.TestCase):

    def test_nested_envelopes(self):
        payload = fx.nova('instance-create-end')['payload']
        data = converter.unwrap_objects(payload)
        self.assertEqual(VM, data['uuid'])
        self.assertEqual('test_flavor', data['flavor']['name'])
        self.assertEqual('192.168.1.3', data['ip_addresses'][0]['address'])
        self.assertEqual('my-key', data['keypairs'][0]['name'])

    def test_lists_and_scalars(self):
        wrapped = {'nova_object.name': 'IpPayload',
                   'nova_object.data': {'address': '10.0.0.2'}}
        self.assertEqual(
            {'ips': [{'address': '10.0.0.2'}], 'n': 1, 'x': None},
            converter.unwrap_objects({'ips': [wrapped], 'n': 1, 'x': None}))
        self.assertEqual('text', converter.unwrap_objects('text'))

    def test_any_object_namespace(self):
        wrapped = {'versioned_object.data': {'size': 1},
                   'versioned_object.name': 'X'}
        self.assertEqual({'size': 1}, converter.unwrap_objects(wrapped))

    def test_data_that_is_not_an_object_stays(self):
        odd = {'nova_object.data': 'text', 'other': 1}
        self.assertEqual(odd, converter.unwrap_objects(odd))

    def test_input_is_not_modified(self):
        message = fx.nova('instance-create-end')
        before = json.dumps(message, sort_keys=True)
        converter.unwrap_objects(message['payload'])
        self.assertEqual(before, json.dumps(message, sort_keys=True))


class EnvelopeTest(base.TestCase):

    def test_envelope(self):
        message = fx.legacy('compute.instance.update')
        self.assertEqual(message, envelope.parse(json.dumps(
            fx.envelope(message))))

    def test_inner_form(self):
        message = fx.legacy('compute.instance.update')
        self.assertEqual(message, envelope.parse(json.dumps(message)))

    def assertMalformed(self, text, reason):
        error = self.assertRaises(envelope.MalformedMessage, envelope.parse,
                                  text)
        self.assertTrue(str(error).startswith(reason), str(error))

    def test_malformed_json(self):
        self.assertMalformed('{"event_type": "instance.upd',
                             'malformed JSON: ')

    def test_malformed_inner_json(self):
        self.assertMalformed(
            json.dumps({'oslo.version': '2.0', 'oslo.message': '{"a": '}),
            'malformed JSON in oslo.message: ')

    def test_inner_message_not_a_string(self):
        self.assertMalformed(
            json.dumps({'oslo.version': '2.0', 'oslo.message': {'a': 1}}),
            'malformed envelope: oslo.message is not a string')

    def test_not_an_object(self):
        self.assertMalformed('[1, 2]', 'malformed message: expected a JSON '
                                       'object, got list')
        self.assertMalformed(json.dumps({'oslo.message': '"text"'}),
                             'malformed message: expected a JSON object, '
                             'got str')
