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
"""Every benchmark of tools/bench runs in its CI-sized form.

The benchmarks themselves run with ``tox -e bench``; here each runs once
with ``--quick`` in a subprocess, so that a change that breaks one shows
in CI. Only success, the figures' lines and the JSON result that
tools/bench/report.py reads are checked, never a figure's value: timing
belongs to the benchmarks, not to tests.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

from scs_metering.tests.functional import base

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))
RUN = os.path.join(ROOT, 'tools', 'bench', 'run.py')
NUMBER = r'[0-9]+(\.[0-9]+)?'


class BenchmarksTest(base.FunctionalTestCase):

    def run_quick(self, name, *args):
        """Run one benchmark with --quick; return its standard output.

        Its JSON result must hold figures, and report.py must turn it
        into the page's table.
        """
        output = tempfile.mkdtemp(prefix='scs-bench-test-')
        done = subprocess.run(
            [sys.executable, RUN, name, '--quick', '--output', output] +
            list(args), capture_output=True, text=True, timeout=600,
            cwd=ROOT)
        self.assertEqual(0, done.returncode, '%s failed:\n%s\n%s' % (
            name, done.stdout[-2000:], done.stderr[-12000:]))
        with open(os.path.join(output, '%s.json' % name)) as f:
            result = json.load(f)
        self.assertTrue(result['quick'])
        self.assertTrue(result['figures'])
        self.assertEqual(3, len(result['loadavg_start']))
        report = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'tools', 'bench',
                                          'report.py'), output],
            capture_output=True, text=True, timeout=60, cwd=ROOT)
        self.assertEqual(0, report.returncode, report.stderr)
        with open(os.path.join(output, '%s.inc' % name)) as f:
            self.assertIn('.. list-table::', f.read())
        return done.stdout

    def assertFigures(self, out, *patterns):
        for pattern in patterns:
            self.assertRegex(out, pattern.replace('NUMBER', NUMBER))

    def test_every_benchmark_is_covered(self):
        spec = importlib.util.spec_from_file_location('bench_run', RUN)
        run = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(run)
        covered = {name[len('test_'):] for name in dir(self)
                   if name.startswith('test_') and
                   name != 'test_every_benchmark_is_covered'}
        self.assertEqual(covered, set(run.benchmarks()))

    def test_api(self):
        self.require('postgresql')
        out = self.run_quick('api')
        for name in ('version', 'month', 'cut'):
            self.assertFigures(
                out, r'postgresql %s: 40 requests from 2 clients: p50 NUMBER '
                     r'ms, p99 NUMBER ms, max NUMBER ms; CPU us/request api '
                     r'[0-9]+, database [0-9]+, keystone [0-9]+' % name)
        self.assertFigures(
            out, r'from the window rollup .*: NUMBER ms, NUMBERx the API p50')

    def test_ingest(self):
        self.require('rabbitmq')
        self.require('postgresql')
        out = self.run_quick('ingest')
        self.assertFigures(
            out, r'Mix: 2560 notifications \(cinder [0-9]+, nova [0-9]+\)',
            r'baseline \(ack only\) +NUMBER notifications/s',
            r'agent\+engine to PostgreSQL +NUMBER notifications/s +'
            r'\(NUMBER of baseline\); CPU us/notification: agent [0-9]+, '
            r'engine [0-9]+, postgresql [0-9]+, publisher [0-9]+, '
            r'rabbitmq [0-9]+')

    def test_meters(self):
        out = self.run_quick('meters')
        self.assertFigures(
            out, r'nova +nova +stream: +NUMBER /s +\(x1\.00\)',
            r'shipped\+100 +mixed +stream: +NUMBER /s +\(xNUMBER\)',
            r'First sight of [0-9]+ event types, nova: NUMBER ms')

    def test_push(self):
        out = self.run_quick('push')
        for driver in ('file', 'http'):
            self.assertFigures(
                out, driver + r' +batch +500: +NUMBER records/s +'
                r'\(xNUMBER of batch 1\)')
        self.assertFigures(
            out, r'http +batch +500: .*, CPU [0-9]+ us/record',
            r'concurrency 4: +NUMBER records/s +\(xNUMBER\), first '
            r'delivery NUMBER s')

    def test_reconcile(self):
        out = self.run_quick('reconcile')
        self.assertFigures(
            out, r'2000 servers: reconcile NUMBER s, CPU NUMBER s \([0-9]+ '
                 r'us/server\) \(listing alone NUMBER s, CPU NUMBER s\), '
                 r'peak RSS NUMBER MiB')
        self.assertIn("'status': 'success'", out)

    def test_throttling(self):
        out = self.run_quick('throttling')
        self.assertFigures(
            out, r'Evaluate 20 rules over 1000 projects',
            r'first run \(no active decision\): NUMBER s, CPU NUMBER s, '
            r'NUMBER us per pair; opened [0-9]+',
            r'baseline \(summing the same entries alone\): NUMBER s, the '
            r'first run xNUMBER')

    def test_windows(self):
        self.require('postgresql')
        out = self.run_quick('windows')
        for backend in ('sqlite', 'postgresql'):
            self.assertFigures(
                out, backend + r': close one hourly window of 2000 servers: '
                r'NUMBER s, CPU NUMBER s \([0-9]+ us/record\) \(reading its '
                r'rows alone NUMBER s, xNUMBER; all in Python NUMBER s, CPU '
                r'NUMBER s\), peak RSS NUMBER MiB')
        self.assertFalse(re.search('skipped', out), out)
