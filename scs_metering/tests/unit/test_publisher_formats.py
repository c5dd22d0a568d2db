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
"""Each format checked against its schema, on records the engine made."""

import datetime
import json
import os
import re

import jsonschema

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.publisher.formats import ceilometer
from scs_metering.publisher import loader
from scs_metering.tests import base
from scs_metering.tests import push

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
NATIVE_SCHEMA = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                             'doc', 'source', 'schemas', 'native.json')
# The CloudEvents 1.0 core attributes as the specification defines them:
# four required, the optional ones typed when present.
CLOUDEVENT = {
    'type': 'object',
    'required': ['specversion', 'id', 'source', 'type'],
    'properties': {
        'specversion': {'const': '1.0'},
        'id': {'type': 'string', 'minLength': 1},
        'source': {'type': 'string', 'minLength': 1,
                   'format': 'uri-reference'},
        'type': {'type': 'string', 'minLength': 1},
        'datacontenttype': {'type': 'string', 'minLength': 1},
        'dataschema': {'type': 'string', 'format': 'uri'},
        'subject': {'type': 'string', 'minLength': 1},
        'time': {'type': 'string', 'format': 'date-time'},
        'data': {'type': ['object', 'string', 'array', 'number',
                          'boolean', 'null']},
    },
    # Extension attributes: lower-case letters and digits only.
    'propertyNames': {'pattern': '^[a-z0-9]+$'},
}


class FormatTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        store = push.Store(self, self.connection)
        store.sink(driver='file', url='file://%s/usage.jsonl' % self.tempdir)
        store.ingest(push.vm_lives(T0, 2))
        # A late event corrects closed windows and moves the pause.
        store.close(T0 + 3 * push.HOUR)
        store.ingest([push.instance_event(
            'vm0-p2', 'update', T0 + 20 * push.MINUTE, 'vm0',
            state='paused')])
        store.close(T0 + 3 * push.HOUR)
        entries = self.connection.claim_deliveries(
            self.connection.sinks()[0]['id'], 't', 1000,
            datetime.timedelta(seconds=60),
            timeutils.utcnow() + push.HOUR)[1]
        found = self.connection.outbox_records(entries)
        self.records = [found[(e['kind'], e['record_id'], e['revision'])]
                        for e in entries]
        kinds = {models.kind_of(r) for r in self.records}
        self.assertEqual(set(models.KINDS), kinds)
        self.assertTrue(any(r.revision > 1 for r in self.records))

    def render(self, name, options=None):
        fmt = loader.load_format(name, options)
        documents = [fmt.document(r) for r in self.records]
        return fmt, documents, json.loads(fmt.encode(documents))

    def test_native_matches_its_json_schema(self):
        with open(NATIVE_SCHEMA) as f:
            schema = json.load(f)
        _fmt, documents, body = self.render('native')
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker())
        validator.validate(body)
        for document in documents:
            self.assertEqual('1.0', document['schema_version'])
            if document['revision'] > 1:
                self.assertEqual(document['revision'] - 1,
                                 document['replaces'])
        # The schema does reject what it should.
        broken = dict(body[0], quantity=1.5, extra=True)
        self.assertFalse(validator.is_valid([broken]))

    def test_cloudevents_have_the_required_attributes(self):
        fmt, documents, body = self.render('cloudevents',
                                           {'source': '/region-1'})
        self.assertEqual('application/cloudevents-batch+json',
                         fmt.content_type)
        validator = jsonschema.Draft202012Validator(
            CLOUDEVENT, format_checker=jsonschema.FormatChecker())
        for event in body:
            validator.validate(event)
            self.assertEqual('/region-1', event['source'])
            self.assertRegex(event['type'],
                             r'^community\.scs\.metering\.[a-z]+\.v1$')
        # source + id is unique per record revision, and stable.
        ids = [(e['source'], e['id']) for e in body]
        self.assertEqual(len(ids), len(set(ids)))
        again = self.render('cloudevents', {'source': '/region-1'})[2]
        self.assertEqual(ids, [(e['source'], e['id']) for e in again])

    def test_ceilometer_samples_have_exactly_its_fields(self):
        _fmt, documents, body = self.render('ceilometer')
        for sample, record in zip(body, self.records):
            self.assertEqual(set(ceilometer.FIELDS), set(sample))
            self.assertIn(sample['type'], ('gauge', 'delta', 'cumulative'))
            self.assertRegex(sample['timestamp'],
                             r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
            self.assertTrue(re.match(r'^[0-9a-f-]{36}$', sample['id']))
            about = sample['resource_metadata']['scs_metering']
            self.assertEqual((record.id, record.revision),
                             (about['record_id'], about['revision']))
            if models.kind_of(record) == models.USAGE:
                self.assertEqual(record.quantity, sample['volume'])
                self.assertIsInstance(sample['volume'], int)
                self.assertEqual(record.meter, sample['name'])
        self.assertEqual(len(body), len({s['id'] for s in body}))
