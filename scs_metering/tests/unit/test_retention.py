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
"""Purging delivered outbox entries and quarantine; the manage commands."""

import datetime
import json
import os
import subprocess

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models
from scs_metering.definitions import guards
from scs_metering.definitions import loader
from scs_metering.engine import workers
from scs_metering import events
from scs_metering import replay
from scs_metering.tests import base
from scs_metering.tests import fixtures
from scs_metering.tests import push

DAY = datetime.timedelta(days=1)


class Scenario:
    """Outbox and quarantine rows of every state and age.

    A mixin for a test case with ``self.connection``; the functional tests
    run it on PostgreSQL and MariaDB.
    """

    def fill_outbox(self):
        """Ten entries of each state, 0.5 to 9.5 days old.

        Returns the now the ages count from.
        """
        sink = push.Store(self, self.connection).sink(
            driver='file', url='file://%s/usage.jsonl' % self.tempdir)
        now = timeutils.to_db(timeutils.utcnow())
        entries = []
        for state in (api_models.PENDING, api_models.DELIVERED,
                      api_models.DEAD):
            for age in range(10):
                when = now - age * DAY - DAY / 2
                entries.append({
                    'sink_id': sink['id'], 'kind': 'usage',
                    'record_id': '%s-%d' % (state, age), 'revision': 1,
                    'state': state, 'attempts': 1, 'next_attempt_at': when,
                    'created_at': when - DAY,
                    'delivered_at': when if state == api_models.DELIVERED
                    else None,
                    'dead_at': when if state == api_models.DEAD else None})
        with self.connection._writer() as session:
            session.execute(sa.insert(models.Outbox), entries)
        return timeutils.from_db(now)

    def outbox(self):
        with self.connection._reader() as session:
            return sorted(session.scalars(sa.select(
                models.Outbox.record_id)))

    def fill_quarantine(self, count=6):
        with self.connection.ingest_transaction() as tx:
            tx.add_quarantine([events.Quarantined(
                reason='no definition', raw='{"n": %d}' % n, service='nova',
                event_type='x.y', message_id='m%d' % n)
                for n in range(count)])
        # Received 0 to count - 1 days ago, in id order.
        with self.connection._writer() as session:
            for n, row in enumerate(session.scalars(sa.select(
                    models.Quarantine).order_by(models.Quarantine.id))):
                row.received_at -= (count - 1 - n) * DAY
        return [q['id'] for q in self.connection.quarantined()]

    def check_outbox_purge(self):
        now = self.fill_outbox()
        # Chunks of 3: three transactions for the eight old enough.
        self.assertEqual(8, self.connection.purge_delivered(
            now - 2 * DAY, chunk=3))
        expected = sorted(['%s-%d' % (state, age)
                           for state in (api_models.PENDING, api_models.DEAD)
                           for age in range(10)] +
                          ['delivered-%d' % age for age in range(2)])
        self.assertEqual(expected, self.outbox())
        self.assertEqual(0, self.connection.purge_delivered(now - 2 * DAY))
        self.assertEqual(2, self.connection.purge_delivered(now))
        self.assertEqual(20, len(self.outbox()))

    def check_quarantine_purge(self):
        ids = self.fill_quarantine()
        self.assertEqual(2, self.connection.purge_quarantine(ids=ids[-2:]))
        # Received 5, 4 and 3 days ago.
        self.assertEqual(3, self.connection.purge_quarantine(
            before=timeutils.utcnow() - 3 * DAY + datetime.timedelta(
                seconds=1), chunk=2))
        self.assertEqual(ids[3:4], [q['id']
                                    for q in self.connection.quarantined()])
        self.assertRaises(ValueError, self.connection.purge_quarantine)


class RetentionTest(Scenario, base.DBTestCase):

    def test_outbox_purge(self):
        self.check_outbox_purge()

    def test_quarantine_purge(self):
        self.check_quarantine_purge()

    def test_the_engine_purges_hourly_when_configured(self):
        self.fill_outbox()
        purging = workers.Purging(self.conf, self.connection)
        purging.run_once()
        self.assertEqual(30, len(self.outbox()))
        self.config('publisher', delivered_retention_days=5)
        purging.run_once()
        self.assertEqual(25, len(self.outbox()))
        self.assertNotIn('delivered-5', self.outbox())


class ManageTest(Scenario, base.DBTestCase):
    """The scs-metering-manage commands, run as operators run them."""

    def manage(self, *args, status=0):
        path = self.write_file('manage.conf', '[database]\nconnection = %s\n'
                               % self.conf.database.connection)
        done = subprocess.run(
            [base.console_script('scs-metering-manage'), '--config-file',
             path] + list(args), capture_output=True, text=True,
            timeout=120, env=dict(os.environ, OS_LOG_CAPTURE='0'))
        self.assertEqual(status, done.returncode, done.stderr)
        return done.stdout if status == 0 else done.stderr

    def test_outbox_purge(self):
        self.fill_outbox()
        output = self.manage('outbox', 'purge', '--older-than', '7')
        self.assertRegex(output, r'^Deleted 3 outbox entries delivered '
                                 r'before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$')
        self.assertEqual(27, len(self.outbox()))
        self.assertIn('a number of days', self.manage(
            'outbox', 'purge', '--older-than', '-1', status=2))

    def test_quarantine_list_and_purge(self):
        ids = self.fill_quarantine(count=3)
        lines = self.manage('quarantine', 'list').splitlines()
        self.assertEqual('ID\tRECEIVED\tSERVICE\tEVENT TYPE\tMESSAGE ID\t'
                         'REASON', lines[0])
        self.assertEqual(['%d' % ids[0], 'nova', 'x.y', 'm0',
                          'no definition'],
                         lines[1].split('\t')[:1] +
                         lines[1].split('\t')[2:])
        self.assertEqual(4, len(lines))
        page = self.manage('quarantine', 'list', '--limit', '1', '--marker',
                           str(ids[0]), '--raw').splitlines()
        self.assertEqual('{"n": 1}', page[1].split('\t')[-1])
        self.assertEqual('1 of 3 entries; the next page: --marker %d'
                         % ids[1], page[2])
        self.assertEqual('Deleted 1 quarantine entries\n', self.manage(
            'quarantine', 'purge', '--id', str(ids[1])))
        self.assertIn('Deleted 1 quarantine entries received before',
                      self.manage('quarantine', 'purge', '--older-than',
                                  '2'))
        self.assertEqual([ids[2]], [q['id'] for q in
                                    self.connection.quarantined()])
        self.manage('quarantine', 'purge', status=2)


class QuarantineRetryTest(base.DBTestCase):
    """Quarantined messages metered again once their cause is fixed."""

    def setUp(self):
        super().setUp()
        # Within the guards' horizon, which the command applies.
        when = timeutils.utcnow().replace(
            minute=0, second=0, microsecond=0) - datetime.timedelta(days=3)
        # Quarantined by an agent whose definitions lacked the event type.
        self.created = fixtures.instance(
            'instance-create-end', 'vm1', 'p1', 'u1', when, message_id='n1',
            launched_at=when)
        # Forwarded by an agent, refused by a database that was down.
        paused = push.instance_event('vm1-p', events.UPDATE,
                                     when + datetime.timedelta(hours=1),
                                     state='paused')
        self.forwarded = {'message_id': 'f1', 'payload': {
            'service': 'nova', 'events': [paused.to_wire()],
            'quarantined': []}}
        # Still broken: no uuid, and not JSON.
        broken = fixtures.instance('instance-delete-end', 'vm1', 'p1', 'u1',
                                   when + datetime.timedelta(hours=2))
        del broken['payload']['nova_object.data']['uuid']
        with self.connection.ingest_transaction() as tx:
            tx.add_quarantine([
                events.Quarantined(reason='no definition for the event type',
                                   raw=json.dumps(self.created),
                                   service='nova', message_id='n1'),
                events.Quarantined(
                    reason='refused by the database: connection failed',
                    raw=json.dumps(self.forwarded)),
                events.Quarantined(reason='uuid missing',
                                   raw=json.dumps(broken), service='nova'),
                events.Quarantined(reason='malformed JSON',
                                   raw='{"oslo.version": "2.0", ')])
        self.ids = [q['id'] for q in self.connection.quarantined()]

    def retry(self, ids=None, guard=None):
        report = replay.retry_quarantined(
            self.connection, loader.load(self.conf), ids, guard=guard)
        return report.counts, report.failing

    def test_the_services_guards_still_hold(self):
        # An entry quarantined for its time stays so when retried with
        # the services' guards: in 1970, it would open 500,000 windows.
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        dated = fixtures.instance(
            'instance-create-end', 'vm-1970', 'p1', 'u1',
            epoch, message_id='n-1970', launched_at=epoch)
        forwarded = {'message_id': 'f-1970', 'payload': {
            'service': 'nova', 'events': [push.instance_event(
                'vm-1970-p', events.UPDATE, datetime.datetime(
                    1970, 1, 1, 1, tzinfo=datetime.timezone.utc),
                vm='vm-1970').to_wire()], 'quarantined': []}}
        with self.connection.ingest_transaction() as tx:
            tx.add_quarantine([
                events.Quarantined(reason='time before the horizon',
                                   raw=json.dumps(dated), service='nova'),
                events.Quarantined(reason='time before the horizon',
                                   raw=json.dumps(forwarded))])
        ids = [q['id'] for q in self.connection.quarantined()][-2:]
        definitions = loader.load(self.conf)
        counts, failing = self.retry(ids, guards.EventGuard.from_conf(
            self.conf, definitions))
        self.assertEqual(0, counts['entries retried'])
        self.assertEqual(ids, [i for i, _reason in failing])
        for _id, reason in failing:
            self.assertIn('1970-01-01', reason)
        self.assertEqual([], self.connection.periods('instance', 'vm-1970'))

    def test_what_now_meters_leaves_the_quarantine(self):
        counts, failing = self.retry()
        self.assertEqual({'events stored': 2, 'duplicates skipped': 0,
                          'entries retried': 2}, dict(counts))
        self.assertEqual(self.ids[2:], [i for i, _reason in failing])
        self.assertIn('uuid', failing[0][1])
        self.assertIn('malformed JSON', failing[1][1])
        self.assertEqual(self.ids[2:], [q['id'] for q in
                                        self.connection.quarantined()])
        self.assertEqual(
            [('active', 'paused')],
            [tuple(p.snapshot.state for p in
                   self.connection.periods('instance', 'vm1'))])

    def test_only_the_given_entries(self):
        counts, failing = self.retry(ids=[self.ids[1]])
        self.assertEqual(1, counts['entries retried'])
        self.assertEqual([], failing)
        self.assertEqual([self.ids[0]] + self.ids[2:], [
            q['id'] for q in self.connection.quarantined()])

    def test_retried_again_after_a_crash_counts_once(self):
        self.retry()
        # A crash between storing the events and deleting the entries.
        with self.connection.ingest_transaction() as tx:
            tx.add_quarantine([events.Quarantined(
                reason='refused by the database: connection failed',
                raw=json.dumps(self.forwarded))])
        counts, _failing = self.retry()
        self.assertEqual({'events stored': 0, 'duplicates skipped': 1,
                          'entries retried': 1}, dict(counts))
        self.assertEqual(2, len(self.connection.periods('instance', 'vm1')))

    def test_command(self):
        path = self.write_file('manage.conf', '[database]\nconnection = %s\n'
                               % self.conf.database.connection)
        done = subprocess.run(
            [base.console_script('scs-metering-manage'), '--config-file',
             path, 'quarantine', 'retry'], capture_output=True, text=True,
            timeout=120, env=dict(os.environ, OS_LOG_CAPTURE='0'))
        self.assertEqual(0, done.returncode, done.stderr)
        lines = done.stdout.splitlines()
        self.assertEqual('Retried 2 quarantine entries: 2 events stored, 0 '
                         'already stored; 2 entries still failing', lines[0])
        self.assertEqual(['%d' % i for i in self.ids[2:]],
                         [line.split('\t')[0] for line in lines[1:]])
