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
"""Corrections with scs-metering-manage, on PostgreSQL and MariaDB.

Real nova notifications are metered and delivered to a file sink; the
operator corrects them with the commands the admin guide gives, and the
sink gets the corrected usage as revision 2 of the same records.
"""

import datetime
import decimal
import json
import os
import shlex
import subprocess

import testscenarios

from scs_metering.agent import converter
from scs_metering.db import models
from scs_metering.engine import corrections
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import delivery
from scs_metering.publisher import manager
from scs_metering.tests import base as tests_base
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base
from scs_metering.tests.unit import test_samples

load_tests = testscenarios.load_tests_apply_scenarios

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
VM = '4f1c6a3e-0d5b-4c1e-9a57-6d2b8f0e3c11'
PROJECT = 'b1e7c0a5d3f94c2e8a6b7d9f0e1c2a3b'


GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                     'source', 'admin', 'corrections.rst')


def guide_command(start):
    """The arguments of the admin guide's ``scs-metering-manage START``."""
    prefix = '$ scs-metering-manage ' + start
    with open(GUIDE) as f:
        (line,) = [line.strip() for line in f
                   if line.strip().startswith(prefix)]
    return shlex.split(line)[2:]


class ManageCorrectionTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)
        self.definitions = self.definitions()
        self.convert = converter.Converter(self.definitions)
        self.ingestor = ingest.Ingestor(self.connection)
        self.sink_file = os.path.join(self.tempdir, 'usage.jsonl')
        manager.put(self.connection, {
            'name': 'billing', 'driver': 'file',
            'filters': {'kinds': ['usage'], 'meters': ['instance']},
            'url': 'file://%s' % self.sink_file})

    def message(self, sample, minutes, **data):
        when = T0 + datetime.timedelta(minutes=minutes)
        return fx.instance(sample, VM, PROJECT, 'u-1', when,
                           launched_at=T0, **data)

    def meter(self, *messages):
        outcome = converter.Outcome()
        for message in messages:
            self.convert.convert('nova', message, outcome)
        self.assertEqual([], outcome.quarantined)
        self.ingestor.store(outcome.events)
        return outcome.events

    def close_and_deliver(self):
        windows.WindowCloser(self.connection, self.definitions).run(
            until=T0 + 3 * HOUR)
        delivery.Deliverer(self.conf, self.connection, 'test').run_once()

    def delivered(self):
        """(record id, revision, window hour, state, quantity) delivered."""
        with open(self.sink_file) as f:
            documents = [json.loads(line) for line in f]
        return [(d['id'], d['revision'],
                 (datetime.datetime.fromisoformat(
                     d['window_start'].replace('Z', '+00:00')) - T0) // HOUR,
                 d['attributes']['state'], decimal.Decimal(d['quantity']))
                for d in documents]

    def manage(self, *args, status=0):
        # The guards bound corrections in time as notifications: from
        # metering_start here, so that the dates of the guide hold.
        path = self.write_file('manage.conf', (
            '[database]\nconnection = %s\n[engine]\nmetering_start = '
            '2026-11-01T00:00:00Z\n[guards]\nmax_windows_per_event = '
            '1000000\n') % self.conf.database.connection)
        done = subprocess.run(
            [tests_base.console_script('scs-metering-manage'),
             '--config-file', path] + list(args), capture_output=True,
            text=True, timeout=120, env=dict(os.environ, OS_LOG_CAPTURE='0'))
        self.assertEqual(status, done.returncode, done.stderr)
        return done.stdout if status == 0 else done.stderr

    def test_the_guide_example_reaches_the_sink_as_revision_2(self):
        self.meter(self.message('instance-create-end', 0))
        self.close_and_deliver()
        first = self.delivered()
        self.assertEqual([1, 1, 1], [d[1] for d in first])
        # The server was really deleted at 09:30; the delete notification
        # was lost. The admin guide's command, as written.
        out = self.manage(*guide_command('correction end'))
        self.assertEqual(['applied', 'deleted at 09:30, ticket 4711'], [
            out.split('\t')[2], out.split('\t')[10]])
        self.close_and_deliver()
        revised = self.delivered()[len(first):]
        ids = {d[2]: d[0] for d in first}
        self.assertEqual(
            [(ids[1], 2, 1, 'active', decimal.Decimal(1800)),
             (ids[2], 2, 2, 'active', decimal.Decimal(0))],
            sorted(revised, key=lambda d: d[2]))
        # The audit trail: who asked, when and why.
        listing = self.manage(*guide_command('correction list')).splitlines()
        self.assertEqual(2, len(listing))
        row = listing[1].split('\t')
        self.assertEqual(('end', 'applied', 'instance', VM,
                          '2026-11-02T09:30:00Z',
                          'deleted at 09:30, ticket 4711'),
                         (row[1], row[2], row[5], row[6], row[8], row[10]))
        self.assertTrue(row[4].endswith('@%s' % self.conf.host), row[4])

    def test_void_and_start(self):
        events = self.meter(self.message('instance-create-end', 0),
                            self.message('instance-pause-end', 30))
        pause = [e for e in events if e.attributes['state'] == 'paused'][0]
        self.manage('correction', 'void', '--event-id', pause.id,
                    '--reason', 'the pause never happened')
        self.manage('correction', 'start', '--resource-type', 'instance',
                    '--resource-id', VM, '--time', '2026-11-02T08:15:00Z',
                    '--reason', 'the create failed until 08:15')
        self.close_and_deliver()
        self.assertEqual(
            [(0, 'active', decimal.Decimal(2700)),
             (1, 'active', decimal.Decimal(3600)),
             (2, 'active', decimal.Decimal(3600))],
            sorted(d[2:] for d in self.delivered()))
        (period,) = self.connection.periods('instance', VM)
        self.assertEqual(ev.CORRECTION, period.provenance)

    def test_failures_are_clear_and_kept(self):
        self.meter(self.message('instance-create-end', 0))
        err = self.manage('correction', 'end', '--resource-type',
                          'instance', '--resource-id', VM, '--time',
                          '2026-11-02T07:00:00Z', '--reason', 'typo',
                          status=1)
        self.assertIn('has no life before 2026-11-02T07:00:00', err)
        self.assertNotIn('Traceback', err)
        err = self.manage('correction', 'start', '--resource-type',
                          'instance', '--resource-id', VM, '--time',
                          '2026-10-31T23:00:00Z', '--reason', 'guarded',
                          status=1)
        self.assertIn('before the earliest time metered', err)
        err = self.manage('correction', 'void', '--event-id', 'nope',
                          '--reason', 'x', status=1)
        self.assertIn('no event has id nope', err)
        err = self.manage('correction', 'end', '--resource-type',
                          'instance', '--resource-id', VM, '--time',
                          'yesterday', '--reason', 'x', status=2)
        self.assertIn('ISO 8601', err)
        self.assertEqual(['typo', 'guarded'], [
            c.reason for c in self.connection.corrections(
                status=models.FAILED)])

    def test_remeter_an_edited_quarantined_message(self):
        good = self.message('instance-create-end', 0)
        broken = dict(good, payload='not an object')
        self.ingestor.store([], [self.convert.quarantine(
            'nova', broken, 'the payload is not an object')])
        (entry,) = self.connection.quarantined()
        path = self.write_file('fixed.json', json.dumps(good))
        out = self.manage('correction', 'remeter', '--quarantine-id',
                          str(entry['id']), '--message-file', path,
                          '--reason', 'payload restored from nova logs')
        self.assertEqual('applied', out.split('\t')[2])
        self.assertEqual([], self.connection.quarantined())
        (period,) = self.connection.periods('instance', VM)
        self.assertEqual((ev.CORRECTION, T0),
                         (period.provenance, period.start))


class SampleVoidTest(base.FunctionalTestCase):
    """A voided gauge reading reaches a sink as revision 2, per database."""

    scenarios = ManageCorrectionTest.scenarios

    def test_void_a_gauge_reading(self):
        connection = self.database(self.backend)
        definitions = self.definitions(self.write_file(
            'acme.yaml', test_samples.ACME))
        sink_file = os.path.join(self.tempdir, 'usage.jsonl')
        manager.put(connection, {
            'name': 'billing', 'driver': 'file',
            'filters': {'kinds': ['usage'], 'meters': ['acme.stored']},
            'url': 'file://%s' % sink_file})
        sample = test_samples.sample
        # Two readings at 08:30 of one bucket: the same level, twice.
        ingest.Ingestor(connection).store([
            sample('g1', 'acme.stored', 0, 100),
            sample('g2', 'acme.stored', 30, 100000),
            sample('g2-again', 'acme.stored', 30, 100000),
            sample('g3', 'acme.stored', 60, 100)])

        def deliver():
            windows.WindowCloser(connection, definitions).run(
                until=T0 + 2 * HOUR)
            delivery.Deliverer(self.conf, connection, 'test').run_once()
            with open(sink_file) as f:
                return [(d['id'], d['revision'], d['window_start'],
                         decimal.Decimal(d['quantity']))
                        for d in map(json.loads, f)]

        first = deliver()
        (eight,) = [d for d in first if d[2] == '2026-11-02T08:00:00Z']
        self.assertEqual(
            (1, decimal.Decimal(100 * 1800 + 100000 * 1800)),
            (eight[1], eight[3]))
        done = corrections.Corrector(connection).apply(
            connection.add_correction(models.Correction.request(
                models.VOID, 'a misreading, ticket 4714', 'alice', 'manage',
                datetime.datetime.now(datetime.timezone.utc),
                event_id='g2')))
        self.assertEqual(models.APPLIED, done.status, done.error)
        revised = deliver()[len(first):]
        self.assertEqual(
            [(eight[0], 2, '2026-11-02T08:00:00Z',
              decimal.Decimal(100 * 3600))], revised)
