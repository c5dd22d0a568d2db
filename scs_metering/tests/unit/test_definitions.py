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
"""The shipped definitions, an operator's own, and broken ones."""

import datetime
import decimal
import os

from scs_metering.agent import converter
from scs_metering.conf import notification
from scs_metering.definitions import loader
from scs_metering.definitions import reference
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.publisher import manager
from scs_metering import service
from scs_metering.tests import base

DOCS = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                    'source', 'reference', 'meters.rst')
RESOURCE_TYPES = {
    'instance': 'nova', 'volume': 'cinder', 'snapshot': 'cinder',
    'backup': 'cinder', 'floating_ip': 'neutron', 'router': 'neutron',
    'metering_label': 'neutron', 'image': 'glance',
    'swift_account': 'swift', 'loadbalancer': 'octavia',
    'dns_zone': 'designate', 'rgw_project': 'radosgw',
    'attached_volume': 'nova'}
# Services no notification comes from: reconciliation polls them.
POLLED = ['radosgw']


class ShippedTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.defs = loader.load(self.conf)

    def test_resource_types(self):
        self.assertEqual(RESOURCE_TYPES, {
            name: t.service for name, t in self.defs.resource_types.items()})
        self.assertEqual(sorted(list(notification.SERVICES) + POLLED),
                         self.defs.services)

    def test_every_resource_type_is_metered(self):
        self.assertEqual(set(RESOURCE_TYPES), {
            m.resource_type for m in self.defs.meters.values()})

    def test_windows_align_to_utc_days(self):
        windows_by_meter = {n: m.window for n, m in self.defs.meters.items()}
        self.assertEqual(86400, windows_by_meter.pop('image.size'))
        self.assertEqual({3600}, set(windows_by_meter.values()))

    def test_exchanges_as_deployed(self):
        self.assertEqual(
            {'nova': 'nova', 'cinder': 'openstack', 'neutron': 'neutron',
             'glance': 'glance', 'swift': 'swift', 'octavia': 'octavia',
             'designate': 'designate'},
            {s: notification.exchange(self.conf, s)
             for s in self.defs.services if s not in POLLED})
        self.assertEqual(['notifications', 'versioned_notifications'],
                         self.conf.notification.topics)
        self.assertIsNone(notification.transport_url(self.conf, 'cinder'))
        self.config('notification', cinder_exchange='cinder',
                    cinder_transport_url='rabbit://c:c@cinder-bus:5672/')
        self.assertEqual(('cinder', 'rabbit://c:c@cinder-bus:5672/'), (
            notification.exchange(self.conf, 'cinder'),
            notification.transport_url(self.conf, 'cinder')))

    def test_the_docs_list_every_meter(self):
        # Regenerate with python -m scs_metering.definitions.reference.
        with open(DOCS) as f:
            text = f.read()
        self.assertEqual(text, reference.rewrite(text, self.defs))
        for name in self.defs.meters:
            self.assertIn('``%s``' % name, text)

    def test_definition_files_extend_and_replace(self):
        path = self.write_file('site.yaml', '''
meters:
  instance:
    resource_type: instance
    kind: lifecycle
    unit: s
    window: 86400
    group_by: [flavor_name]
  bandwidth: null
events:
  neutron.l3.meter: null
''')
        self.config('meters', definition_files=[path])
        defs = loader.load(self.conf)
        self.assertEqual((86400, ('flavor_name',)), (
            defs.meters['instance'].window,
            defs.meters['instance'].group_by))
        self.assertNotIn('bandwidth', defs.meters)
        # Without the shipped files, only the operator's.
        self.config('meters', load_defaults=False, definition_files=[
            self.write_file('only.yaml', GOOD)])
        self.assertEqual(['widget'], sorted(loader.load(self.conf).meters))


# A made-up service: "acme" rents widgets by the hour and by size, and
# reports the bytes each widget serves.
ACME = '''
resource_types:
  widget: {service: acme, description: An ACME widget.}
meters:
  widget.size:
    resource_type: widget
    kind: lifecycle
    unit: GiB*s
    volume: size
    billable_states: [running]
    group_by: [model]
  widget.traffic:
    resource_type: widget
    kind: delta
    unit: B
events:
  acme.widget:
    resource_type: widget
    event_types: ['widget.*']
    exclude: [widget.traffic]
    actions:
      create: [widget.created]
      delete: [widget.destroyed]
    fields:
      resource_id: /payload/widget/id
      project_id: /payload/widget/owner
      time: /payload/at
    attributes:
      state: {path: /payload/widget/state, type: str, required: true}
      size: {path: /payload/widget/size_gb, type: int}
      model: {path: /payload/widget/model, type: str,
              map: {w1: small, w2: large}}
  acme.traffic:
    resource_type: widget
    event_types: [widget.traffic]
    default_action: sample
    fields:
      resource_id: /payload/widget_id
      project_id: /payload/owner
      time: /payload/at
    samples:
      - meter: widget.traffic
        volume: {path: /payload/counters, type: decimal,
                 where: {/name: bytes_out}, get: /value}
ignore:
  - service: acme
    event_types: ['catalog.*']
    reason: The widget catalog is not billed.
'''


def acme(event_type, at, **payload):
    return {'message_id': '%s-%s' % (event_type, at), 'event_type':
            event_type, 'priority': 'INFO', 'publisher_id': 'acme.host',
            'timestamp': at, 'payload': dict(payload, at=at)}


def widget(state, size=10, model='w1'):
    return {'id': 'wd-1', 'owner': 'p-acme', 'state': state,
            'size_gb': size, 'model': model}


class ServiceOfItsOwnTest(base.TestCase):
    # Not in OperatorMeterTest: option groups are shared by every
    # ConfigOpts of the process, so its overrides would show here.

    def test_a_service_of_its_own_needs_its_exchange(self):
        text = '[notification]\nenabled_services = nova,acme\n'
        path = self.write_file('acme.conf', text)
        self.assertRaises(SystemExit, service.prepare_service,
                          ['scs-metering-agent', '--config-file', path])
        path = self.write_file('acme.conf', text +
                               'exchanges = acme:acme-events\n')
        conf = service.prepare_service(['scs-metering-agent',
                                        '--config-file', path])
        self.assertEqual('acme-events', notification.exchange(conf, 'acme'))


class OperatorMeterTest(base.DBTestCase):
    """A meter for a made-up service, purely in YAML."""

    def setUp(self):
        super().setUp()
        path = self.write_file('acme.yaml', ACME)
        self.config('meters', definition_files=[path])
        self.config('notification', enabled_services=['nova', 'acme'],
                    exchanges={'acme': 'acme-events'})
        self.defs = loader.load(self.conf)

    def test_it_is_listened_to_on_its_exchange(self):
        self.assertIn('acme', self.defs.services)
        self.assertEqual('acme-events',
                         notification.exchange(self.conf, 'acme'))
        self.assertIsNone(notification.transport_url(self.conf, 'acme'))
        self.assertIsNone(notification.exchange(self.conf, 'other'))

    def test_it_meters(self):
        convert = converter.Converter(self.defs)
        outcome = converter.Outcome()
        for message in [
                acme('widget.created', '2026-11-02T08:00:00Z',
                     widget=widget('running')),
                acme('widget.resized', '2026-11-02T08:30:00Z',
                     widget=widget('running', size=30, model='w2')),
                acme('widget.traffic', '2026-11-02T08:40:00Z',
                     widget_id='wd-1', owner='p-acme', counters=[
                         {'name': 'bytes_in', 'value': 7},
                         {'name': 'bytes_out', 'value': 1500}]),
                acme('widget.stopped', '2026-11-02T09:00:00Z',
                     widget=widget('stopped', size=30, model='w2')),
                acme('widget.destroyed', '2026-11-02T09:30:00Z',
                     widget=widget('stopped', size=30, model='w2')),
                acme('catalog.updated', '2026-11-02T09:31:00Z'),
                acme('widget', '2026-11-02T09:32:00Z')]:
            convert.convert('acme', message, outcome)
        self.assertEqual(1, outcome.ignored)
        self.assertEqual(["unknown event type 'widget' from acme: no "
                          "definition meters or ignores it"],
                         [q.reason for q in outcome.quarantined])
        ingest.Ingestor(self.connection).store(outcome.events,
                                               outcome.quarantined)
        manager.put(self.connection, {
            'name': 'f', 'driver': 'file',
            'url': 'file://%s/usage.jsonl' % self.tempdir})
        windows.WindowCloser(self.connection, self.defs).run(
            until=datetime.datetime(2026, 11, 3,
                                    tzinfo=datetime.timezone.utc))
        self.assertEqual(
            {('widget.size', 8, 'small'): decimal.Decimal(10 * 1800),
             ('widget.size', 8, 'large'): decimal.Decimal(30 * 1800),
             ('widget.traffic', 8, None): decimal.Decimal(1500)},
            {(r.meter, r.window_start.hour, r.attributes.get('model')):
             r.quantity for r in self.connection.current_records()})
        self.assertEqual({'p-acme'}, {r.project_id for r in
                                      self.connection.current_records()})


GOOD = '''
resource_types:
  widget: {service: acme}
meters:
  widget:
    {resource_type: widget, kind: lifecycle, unit: s, group_by: [model]}
events:
  acme.widget:
    resource_type: widget
    event_types: [widget.*]
    fields: {resource_id: /payload/id, project_id: /payload/owner,
             time: /timestamp}
    attributes:
      model: /payload/model
'''


class BrokenFilesTest(base.TestCase):
    """A broken file names itself, the definition and the field."""

    def error(self, text, replace=None):
        if replace:
            old, new = replace
            self.assertIn(old, GOOD)
            text = GOOD.replace(old, new)
        path = self.write_file('broken.yaml', text)
        exc = self.assertRaises(loader.DefinitionError,
                                self.definitions, path)
        message = str(exc)
        self.assertTrue(message.startswith(path + ': '), message)
        return message[len(path) + 2:]

    def test_the_good_one_loads(self):
        self.assertIn('widget', self.definitions(
            self.write_file('good.yaml', GOOD)).meters)

    def test_not_yaml(self):
        self.assertTrue(self.error('meters: [1, 2\n').startswith(
            'not valid YAML: '))

    def test_unreadable(self):
        missing = os.path.join(self.tempdir, 'missing.yaml')
        exc = self.assertRaises(loader.DefinitionError, self.definitions,
                                missing)
        self.assertEqual('%s: cannot read: No such file or directory'
                         % missing, str(exc))

    def test_unknown_section(self):
        self.assertEqual(
            "(top): Additional properties are not allowed ('meter' was "
            "unexpected)", self.error('meter: {}\n'))

    def test_missing_field(self):
        self.assertEqual(
            "meters.widget: 'unit' is a required property",
            self.error(None, ('unit: s, ', '')))

    def test_bad_pointer(self):
        self.assertEqual(
            "events.acme.widget.fields.resource_id: 'payload/id' does not "
            "match '^(/.*)?$'",
            self.error(None, ('resource_id: /payload/id',
                              'resource_id: payload/id')))

    def test_bad_type(self):
        self.assertEqual(
            "events.acme.widget.attributes.model.type: 'float' is not one "
            "of ['str', 'int', 'decimal', 'bool', 'datetime', 'any', "
            "'present']",
            self.error(None, ('model: /payload/model',
                              'model: {path: /payload/model, '
                              'type: float}')))

    def test_time_that_is_no_time(self):
        self.assertEqual(
            'events.acme.widget: time: type must be datetime, not int',
            self.error(None, ('time: /timestamp',
                              'time: {path: /timestamp, type: int}')))

    def test_bad_regular_expression(self):
        self.assertEqual(
            "events.acme.widget: event_types: bad regular expression "
            "'re:(widget': missing ), unterminated subpattern at "
            "position 0",
            self.error(None, ('[widget.*]', "['re:(widget']")))

    def test_window_not_aligned_to_days(self):
        self.assertEqual(
            'meters.widget: window: 7000 seconds neither divides nor is a '
            'multiple of a day',
            self.error(None, ('unit: s,', 'unit: s, window: 7000,')))

    def test_unknown_resource_type(self):
        self.assertEqual(
            "events.acme.widget.resource_type: unknown resource type "
            "'gadget'",
            self.error(None, ('resource_type: widget\n',
                              'resource_type: gadget\n')))

    def test_misspelt_attribute(self):
        self.assertEqual(
            "meters.widget.group_by: no event definition of widget "
            "extracts attribute 'modle'",
            self.error(None, ('group_by: [model]', 'group_by: [modle]')))

    def test_summary_outside_group(self):
        self.assertEqual(
            'meters.widget: summary_by: state not in group_by',
            self.error(None, ('group_by: [model]',
                              'group_by: [model], summary_by: [state]')))

    def test_gauge_without_hold(self):
        self.assertEqual(
            'meters.widget: hold: a gauge needs it: the seconds a level '
            'lasts without a newer sample',
            self.error(None, ('kind: lifecycle', 'kind: gauge')))

    def test_lifecycle_option_on_a_sample_meter(self):
        self.assertEqual(
            'meters.widget: billable_states: only a lifecycle meter has '
            'it, not a delta',
            self.error(None, ('kind: lifecycle,',
                              'kind: delta, billable_states: [a],')))

    def test_starts_at_zero_on_a_gauge(self):
        self.assertEqual(
            'meters.widget: starts_at_zero: only a counter meter has it, '
            'not a delta',
            self.error(None, ('kind: lifecycle,',
                              'kind: delta, starts_at_zero: true,')))

    def test_starts_at_zero_is_a_boolean(self):
        self.assertIn('starts_at_zero',
                      self.error(None, ('kind: lifecycle,',
                                        'kind: counter, starts_at_zero: 1,')))

    def test_samples_of_a_lifecycle_meter(self):
        self.assertEqual(
            "events.acme.widget.samples: meter 'widget' is a lifecycle "
            "meter, it takes no samples",
            self.error(None, ('    attributes:', '''    default_action: sample
    samples: [{meter: widget, volume: /payload/n}]
    attributes:''')))

    def test_sample_action_without_samples(self):
        self.assertEqual(
            'events.acme.widget: samples: the action sample needs the '
            'meters it samples',
            self.error(None, ('    attributes:', '''    default_action: sample
    attributes:''')))

    def test_samples_of_an_unknown_meter(self):
        self.assertEqual(
            "meters.widget.samples_of: unknown meter 'gone'",
            self.error(None, ('kind: lifecycle, unit: s,',
                              'kind: delta, unit: B, samples_of: gone,')))

    def test_an_ignore_rule_without_reason(self):
        self.assertEqual(
            "ignore.0: 'reason' is a required property",
            self.error(GOOD + 'ignore:\n  - {service: acme, event_types: '
                       '[x]}\n'))

    def test_removing_what_a_shipped_meter_needs(self):
        # The error is in the shipped file, whose meter lost its type.
        path = self.write_file('site.yaml',
                               'resource_types: {instance: null}\n')
        exc = self.assertRaises(loader.DefinitionError, self.definitions,
                                path)
        self.assertEqual("nova.yaml: meters.instance.resource_type: unknown "
                         "resource type 'instance'", str(exc))
