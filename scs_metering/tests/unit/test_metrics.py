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

import json
import os
import re

from prometheus_client import parser
import webob

from scs_metering.api import app
from scs_metering.db.sqlalchemy import stats
from scs_metering import metrics
from scs_metering.publisher import manager
from scs_metering.tests import base

DOC = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                   'source', 'admin', 'metrics.rst')


def samples(text):
    """{(sample name, sorted label items): value} of an exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in parser.text_string_to_metric_families(
                text.decode())
            for s in family.samples}


class TestProcessCounters(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config('metrics', directory=os.path.join(self.tempdir, 'm'))

    def test_workers_files_add_up(self):
        # Two worker processes of the agent wrote their counters.
        directory = self.conf.metrics.directory
        os.makedirs(directory)
        key = json.dumps(['scs_metering_notifications_received',
                          {'service': 'nova'}], sort_keys=True)
        hist = json.dumps(['scs_metering_engine_ingest_delay_seconds', {}])
        for pid, n in ((11, 3), (12, 4)):
            with open(os.path.join(directory, 'agent.%d.json' % pid),
                      'w') as f:
                json.dump({key: n, hist: [1] * len(metrics.BUCKETS) +
                           [0.5]}, f)
        # Another service's file is not this endpoint's business.
        with open(os.path.join(directory, 'engine.13.json'), 'w') as f:
            json.dump({key: 100}, f)
        found = samples(metrics.exposition(
            metrics.Collector(self.conf, 'agent')))
        self.assertEqual(7, found[(
            'scs_metering_notifications_received_total',
            (('service', 'nova'),))])
        self.assertEqual(2, found[(
            'scs_metering_engine_ingest_delay_seconds_count', ())])
        self.assertEqual(1.0, found[(
            'scs_metering_engine_ingest_delay_seconds_sum', ())])

    def test_writer_flushes_this_process(self):
        writer = metrics.Writer(self.conf.metrics.directory, 'agent')
        before = metrics.read(self.conf.metrics.directory, 'agent')
        metrics.inc('scs_metering_notifications_quarantined', 2,
                    service='cinder')
        metrics.observe('scs_metering_sink_delivery_latency_seconds', 7,
                        sink='billing')
        writer.flush()
        after = metrics.read(self.conf.metrics.directory, 'agent')
        key = json.dumps(['scs_metering_notifications_quarantined',
                          {'service': 'cinder'}], sort_keys=True)
        self.assertEqual(2, after[key] - before.get(key, 0))
        latency = after[json.dumps(
            ['scs_metering_sink_delivery_latency_seconds',
             {'sink': 'billing'}], sort_keys=True)]
        # 7 s falls in the buckets from 10 s up, not in those below.
        bounds = dict(zip(metrics.BUCKETS, latency))
        self.assertEqual(0, bounds[5.0])
        self.assertEqual(1, bounds[10.0])

    def test_unknown_counter_is_a_bug(self):
        self.assertRaises(KeyError, metrics.inc, 'scs_metering_typo')

    def test_every_metric_is_documented(self):
        with open(DOC) as f:
            documented = set(re.findall(r'``(scs_metering_\w+)``', f.read()))
        names = set()
        for name, (kind, _labels, _help) in list(
                metrics.COUNTED.items()) + list(metrics.STORED.items()):
            names.add(name + '_total' if kind == 'counter' else name)
        self.assertEqual(set(), names - documented)
        self.assertEqual(set(), documented - names)


class TestStoredFigures(base.DBTestCase):

    def test_empty_store(self):
        figures = stats.read(self.connection._engine)
        self.assertEqual([((), 0)],
                         figures['scs_metering_quarantine_entries'])
        self.assertEqual([], figures['scs_metering_sink_backlog'])

    def test_sink_without_backlog(self):
        manager.put(self.connection, {
            'name': 'billing', 'driver': 'file',
            'url': 'file://%s/usage.jsonl' % self.tempdir})
        self.config('metrics', directory=os.path.join(self.tempdir, 'm'))
        found = samples(metrics.exposition(metrics.Collector(
            self.conf, 'engine',
            stats.reader(self.conf.database.connection))))
        self.assertEqual(0, found[('scs_metering_sink_backlog',
                                   (('sink', 'billing'),))])
        self.assertEqual(0, found[('scs_metering_sink_dead_letters',
                                   (('sink', 'billing'),))])
        self.assertEqual(0, found[('scs_metering_sink_delivered_total',
                                   (('sink', 'billing'),))])

    def test_database_down_still_shows_counters(self):
        self.config('metrics', directory=os.path.join(self.tempdir, 'm'))

        def broken():
            raise OSError('connection refused')
        found = samples(metrics.exposition(metrics.Collector(
            self.conf, 'engine', broken)))
        self.assertNotIn(('scs_metering_quarantine_entries', ()), found)


class TestApiMetrics(base.DBTestCase):

    def get(self, path):
        self.config('api', auth_strategy='noauth')
        return webob.Request.blank(path).get_response(
            app.build_wsgi_app(self.conf, self.connection))

    def test_off_by_default(self):
        self.assertEqual(404, self.get('/metrics').status_int)

    def test_store_figures_without_a_token(self):
        self.config('metrics', api=True)
        manager.put(self.connection, {
            'name': 'billing', 'driver': 'file',
            'url': 'file://%s/usage.jsonl' % self.tempdir})
        answer = self.get('/metrics')
        self.assertEqual(200, answer.status_int)
        self.assertEqual(metrics.CONTENT_TYPE, answer.headers['Content-Type'])
        found = samples(answer.body)
        self.assertEqual(0, found[('scs_metering_sink_backlog',
                                   (('sink', 'billing'),))])
