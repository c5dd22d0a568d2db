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
"""The README's first command: scs-metering-replay on the sample trace."""

import collections
import decimal
import json
import os
import re
import sqlite3
import subprocess

import fixtures

from scs_metering.tests import base

TRACE = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                     'samples', 'nova-trace.jsonl')
ACME = 'a1c3e5f7a9b1c3d5e7f9a1b3c5d7e9f1'
GLOBEX = '9b8a7c6d5e4f30211203f4e5d6c7b8a9'

# Seconds worked out by hand from the trace (see tools/make_sample_trace.py)
# up to 18:00, the end of the window of its last event.
SECONDS = {
    # vm1 08:00:12-12:30:00, vm2 09:15-13:00 and 14:00-18:00.
    (ACME, 'm1.small', 'active'): 16188 + 13500 + 14400,
    (ACME, 'm1.small', 'paused'): 3600,  # vm2 13:00-14:00
    (ACME, 'm1.medium', 'resized'): 60,  # vm1 12:30-12:31
    (ACME, 'm1.medium', 'active'): 18870,  # vm1 12:31:00-17:45:30
    (GLOBEX, 'm1.large', 'active'): 23410,  # vm3 10:05:00-16:35:10
    # vm4 11:00-11:20 (deleted before created in the file), vm5
    # 13:58:40-15:00 and 16:00-18:00; offloaded 15:02-16:00 is not billed.
    (GLOBEX, 'm1.small', 'active'): 1200 + 3680 + 7200,
    (GLOBEX, 'm1.small', 'shelved'): 120,  # vm5 15:00-15:02
}
SUMMARY = [
    (GLOBEX, 'instance', 'flavor_name=m1.large state=active', '6.5028 h'),
    (GLOBEX, 'instance', 'flavor_name=m1.small state=active', '3.3556 h'),
    (GLOBEX, 'instance', 'flavor_name=m1.small state=shelved', '0.0333 h'),
    (ACME, 'instance', 'flavor_name=m1.medium state=active', '5.2417 h'),
    (ACME, 'instance', 'flavor_name=m1.medium state=resized', '0.0167 h'),
    (ACME, 'instance', 'flavor_name=m1.small state=active', '12.2467 h'),
    (ACME, 'instance', 'flavor_name=m1.small state=paused', '1.0000 h'),
]


class ReplayCommandTest(base.TestCase):

    def replay(self, directory=None, *args):
        directory = directory or self.tempdir
        done = subprocess.run(
            [base.console_script('scs-metering-replay'),
             os.path.abspath(TRACE)] + list(args), cwd=directory,
            capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stderr)
        lines = done.stdout.splitlines()
        counts = dict((what, int(n)) for n, what in re.findall(
            r'(\d+) ([a-z ]+?)(?:,|$)', lines[0][len('Replayed '):]))
        self.assertEqual('Usage up to 2026-11-02T18:00:00Z, delivered to '
                         'usage.jsonl:', lines[1])
        self.assertEqual(['project', 'meter', 'group', 'usage'],
                         re.split(r'\s{2,}', lines[2].strip()))
        rows = [tuple(re.split(r'\s{2,}', line.strip()))
                for line in lines[3:] if not line.startswith('Windows ')]
        self.held = [line for line in lines if line.startswith('Windows ')]
        return counts, rows

    def usage_lines(self, directory=None):
        path = os.path.join(directory or self.tempdir, 'usage.jsonl')
        with open(path) as f:
            return [json.loads(line) for line in f]

    def table_count(self, table):
        db = sqlite3.connect(os.path.join(self.tempdir,
                                          'scs_metering.sqlite'))
        try:
            return db.execute('SELECT count(*) FROM %s' % table).fetchone()[0]
        finally:
            db.close()

    def test_summary(self):
        counts, rows = self.replay()
        self.assertEqual(SUMMARY, rows)
        self.assertEqual({'messages': 19, 'events stored': 16,
                          'duplicates skipped': 1, 'ignored': 1,
                          'quarantined': 1, 'usage records': 34,
                          'records delivered': 34}, counts)

    def test_usage_file_has_one_line_per_record(self):
        counts, _rows = self.replay()
        lines = self.usage_lines()
        self.assertEqual(counts['usage records'], len(lines))
        self.assertEqual(len(lines), len({d['id'] for d in lines}))
        self.assertEqual({1}, {d['revision'] for d in lines})
        seconds = collections.Counter()
        for document in lines:
            quantity = decimal.Decimal(document['quantity'])
            self.assertEqual(quantity.to_integral_value(), quantity)
            self.assertLessEqual(quantity, 3600)
            attributes = document['attributes']
            seconds[(document['project_id'], attributes['flavor_name'],
                     attributes['state'])] += int(quantity)
        self.assertEqual(SECONDS, dict(seconds))

    def test_record_ids_are_stable(self):
        self.replay()
        elsewhere = self.useFixture(fixtures.TempDir()).path
        self.replay(elsewhere)
        self.assertEqual(sorted(d['id'] for d in self.usage_lines()),
                         sorted(d['id'] for d in
                                self.usage_lines(elsewhere)))

    def test_replaying_again_adds_nothing(self):
        self.replay()
        lines = self.usage_lines()
        events = self.table_count('events')
        counts, rows = self.replay()
        self.assertEqual(SUMMARY, rows)
        self.assertEqual((0, 17, 0, 0), (
            counts['events stored'], counts['duplicates skipped'],
            counts['usage records'], counts['records delivered']))
        self.assertEqual(lines, self.usage_lines())
        self.assertEqual(events, self.table_count('events'))
        self.assertEqual(34, self.table_count('usage_records'))

    def test_until_closes_only_settled_windows(self):
        # Issue 20, finding 3: --until closed windows that no
        # reconciliation had covered, so every later correction became a
        # second revision.
        config = self.write_file('replay.conf', (
            '[reconciliation]\nresource_types = instance\n'))
        until = ('--config-file', config, '--until', '2026-11-02T18:00:00Z')
        counts, rows = self.replay(None, *until)
        self.assertEqual((0, []), (counts['usage records'], rows))
        self.assertEqual(['Windows of instance held back from '
                          '1970-01-01T00:00:00Z: no successful '
                          'reconciliation covers them yet (--no-settle '
                          'closes them).'], self.held)
        counts, rows = self.replay(None, *(until + ('--no-settle',)))
        self.assertEqual((34, SUMMARY, []), (counts['usage records'], rows,
                                             self.held))
