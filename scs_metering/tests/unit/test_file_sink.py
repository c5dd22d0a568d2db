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
import datetime
import decimal
import json
import os

from scs_metering.db import models
from scs_metering.engine import usage
from scs_metering.publisher import base as publisher
from scs_metering.publisher import file as file_sink
from scs_metering.publisher import loader
from scs_metering.tests import base

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)


def record(vm, hour, seconds, revision=1):
    start = T0 + hour * HOUR
    return models.Record(
        id=usage.record_id('instance', 'instance', vm, start,
                           {'state': 'active'}),
        meter='instance', unit='s', resource_type='instance',
        resource_id=vm, project_id='p1', user_id='u1', window_start=start,
        window_end=start + HOUR, attributes={'state': 'active'},
        quantity=decimal.Decimal(seconds),
        provenance={'notification': seconds}, revision=revision,
        created_at=T0)


class FileSinkTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.tempdir, 'out', 'usage.jsonl')
        self.sink = loader.load_sink({'name': 's', 'driver': 'file',
                                      'url': 'file://' + self.path})
        self.format = loader.load_format('native')

    def send(self, *records):
        documents = [self.format.document(r) for r in records]
        self.sink.send(publisher.Batch(
            records, documents, self.format.encode(documents),
            self.format.content_type))

    def lines(self):
        with open(self.path, 'rb') as f:
            data = f.read()
        self.assertTrue(data.endswith(b'\n'), data[-80:])
        return [json.loads(line) for line in data.splitlines()]

    def tear(self, text):
        with open(self.path, 'ab') as f:
            f.write(text)

    def test_driver_is_the_file_sink(self):
        self.assertIsInstance(self.sink, file_sink.FileSink)

    def test_one_json_line_per_record_with_its_id(self):
        first = [record('vm1', 0, 3600), record('vm2', 0, 120)]
        second = [record('vm1', 1, 60), record('vm1', 0, 3000, revision=2)]
        self.send(*first)
        self.send(*second)
        lines = self.lines()
        self.assertEqual([(r.id, r.revision, str(r.quantity))
                          for r in first + second],
                         [(d['id'], d['revision'], d['quantity'])
                          for d in lines])
        # Record ids are stable: a revision keeps the id of the record.
        self.assertEqual(lines[0]['id'], lines[3]['id'])
        self.assertEqual(3, len({d['id'] for d in lines}))
        self.assertEqual('2026-11-02T08:00:00Z', lines[0]['window_start'])

    def test_lines_are_compact_and_sorted(self):
        self.send(record('vm1', 0, 3600))
        with open(self.path) as f:
            line = f.readline()
        self.assertEqual(json.dumps(json.loads(line), sort_keys=True,
                                    separators=(',', ':')) + '\n', line)

    def test_torn_last_line_is_cut_before_the_next_write(self):
        self.send(record('vm1', 0, 3600))
        self.tear(b'{"id":"half a rec')
        self.send(record('vm1', 1, 3600), record('vm2', 1, 10))
        self.assertEqual([3600, 3600, 10],
                         [int(d['quantity']) for d in self.lines()])

    def test_torn_only_line(self):
        os.makedirs(os.path.dirname(self.path))
        self.tear(b'{"id":"never finished')
        self.send(record('vm1', 0, 60))
        self.assertEqual(['60'], [d['quantity'] for d in self.lines()])

    def test_torn_tail_longer_than_a_read_chunk(self):
        self.send(record('vm1', 0, 3600))
        self.tear(b'x' * 200000)
        self.send(record('vm1', 1, 5))
        self.assertEqual(['3600', '5'],
                         [d['quantity'] for d in self.lines()])

    def test_complete_file_is_not_touched(self):
        self.send(record('vm1', 0, 3600))
        with open(self.path, 'rb') as f:
            before = f.read()
        self.send(record('vm1', 1, 1))
        with open(self.path, 'rb') as f:
            self.assertTrue(f.read().startswith(before))

    def test_resend_keeps_the_same_id(self):
        # After a crash the outbox sends the batch again: same ids, so a
        # reader keeps one line per (id, revision).
        batch = [record('vm1', 0, 3600), record('vm2', 0, 7)]
        self.send(*batch)
        self.send(*batch)
        lines = self.lines()
        self.assertEqual(4, len(lines))
        self.assertEqual(2, len({(d['id'], d['revision']) for d in lines}))

    def test_bad_urls(self):
        for url in (None, '', 'http://example.com/usage', 'file://',
                    '/var/lib/usage.jsonl'):
            error = self.assertRaises(
                publisher.SinkError, loader.load_sink,
                {'name': 's', 'driver': 'file', 'url': url})
            self.assertIn('a file sink needs a file:///path URL, got %r' %
                          (url or ''), str(error))

    def test_unusable_path_is_transient(self):
        blocker = self.write_file('blocker', 'a file, not a directory')
        sink = file_sink.FileSink({'url': 'file://%s/usage.jsonl' %
                                   blocker})
        documents = [self.format.document(record('vm1', 0, 1))]
        error = self.assertRaises(
            publisher.TransientError, sink.send,
            publisher.Batch(documents, b'', 'application/json', []))
        self.assertIn('cannot open %s/usage.jsonl' % blocker, str(error))

    def test_quoted_path(self):
        sink = file_sink.FileSink({'url': 'file://%s/with%%20space.jsonl'
                                   % self.tempdir})
        self.assertEqual(os.path.join(self.tempdir, 'with space.jsonl'),
                         sink.path)
