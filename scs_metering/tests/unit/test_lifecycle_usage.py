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
"""One life of every resource type, into usage and through replay.

The lives come from scs_metering.tests.lifecycles, built from the real
notification samples; split from test_fixtures_coverage.
"""

import collections
import datetime
import decimal
import json
import os
import random
import re
import subprocess

from scs_metering.agent import converter
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.publisher import manager
from scs_metering import replay
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx
from scs_metering.tests import lifecycles


class LifecycleUsageTest(base.DBTestCase):
    """One life per resource type, into exact windowed usage."""

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.converter = converter.Converter(self.defs)
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection, self.defs)
        manager.put(self.connection, {
            'name': 'f', 'driver': 'file',
            'url': 'file://%s/usage.jsonl' % self.tempdir})
        self.lives = lifecycles.all_lifecycles()

    def deliver(self, messages):
        for life, message in messages:
            outcome = self.converter.convert(life.service, message)
            self.assertEqual([], outcome.quarantined)
            self.ingestor.store(outcome.events)

    def check(self):
        end = lifecycles.T0 + datetime.timedelta(days=2)
        self.closer.run(until=end)
        records = self.connection.current_records()
        for life in self.lives.values():
            mine = [r for r in records if r.resource_type ==
                    life.resource_type]
            self.assertEqual(life.usage,
                             lifecycles.observed(mine, self.defs),
                             life.resource_type)
            self.assertEqual({(life.resource_id, life.project_id)},
                             {(r.resource_id, r.project_id) for r in mine})
        self.assertEqual(set(self.lives), {r.resource_type
                                           for r in records})

    def test_in_order(self):
        self.deliver([(life, m) for life in self.lives.values()
                      for m in life.messages])
        self.check()

    def test_shuffled_duplicated_and_closed_as_it_arrives(self):
        messages = [(life, m) for life in self.lives.values()
                    for m in life.messages]
        rng = random.Random(11)
        messages += rng.sample(messages, len(messages) // 3)
        rng.shuffle(messages)
        for i in range(0, len(messages), 7):
            self.deliver(messages[i:i + 7])
            self.closer.run(until=lifecycles.T0 + datetime.timedelta(
                days=2))
        self.check()
        revisions = [r.revision for r in self.connection.current_records()]
        self.assertGreater(max(revisions), 1)


class ReplayTest(base.TestCase):
    """scs-metering-replay over one life of every resource type."""

    def test_summary_covers_every_resource_type(self):
        lives = lifecycles.all_lifecycles()
        trace = os.path.join(self.tempdir, 'trace.jsonl')
        with open(trace, 'w') as f:
            for i, message in enumerate(m for life in lives.values()
                                        for m in life.messages):
                # As archived: some in the RabbitMQ envelope, some inner.
                f.write(json.dumps(fx.envelope(message) if i % 2 else
                                   message) + '\n')
        done = subprocess.run(
            [base.console_script('scs-metering-replay'), trace],
            cwd=self.tempdir, capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stderr)
        lines = done.stdout.splitlines()
        # The last event is the image's delete, in a daily window.
        self.assertEqual('Usage up to 2026-11-04T00:00:00Z, delivered to '
                         'usage.jsonl:', lines[1])
        # Columns: project, meter, group (empty when not grouped), usage.
        rows = {(lambda c: tuple(c[:2] + [''] * (4 - len(c)) + c[2:]))(
            re.split(r'\s{2,}', line.strip())) for line in lines[3:]}
        defs = self.definitions()
        expected = collections.defaultdict(decimal.Decimal)
        for life in lives.values():
            for (meter, _window, values), quantity in life.usage.items():
                names = defs.meters[meter].summary_by
                group = ' '.join('%s=%s' % item
                                 for item in zip(names, values))
                expected[(life.project_id, meter, group)] += quantity
        self.assertEqual({key + ('%s %s' % replay.display(
            quantity, defs.meters[key[1]].unit),)
            for key, quantity in expected.items()}, rows)
        shown = {row[1]: row[3].split()[-1] for row in rows}
        self.assertEqual(
            {'instance': 'h', 'volume.size': 'GiB*h', 'image.size': 'B*h',
             'bandwidth': 'B', 'storage.objects.incoming.bytes': 'B'},
            {m: shown[m] for m in ('instance', 'volume.size', 'image.size',
                                   'bandwidth',
                                   'storage.objects.incoming.bytes')})
        self.assertEqual(set(lives), {
            defs.meters[meter].resource_type for meter in shown})
