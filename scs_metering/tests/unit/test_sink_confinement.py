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
"""Sinks may not write to the host's files or the service itself.

Issue 13, finding 9: a file sink took any path (file:///etc/passwd,
relative ones), and an sql sink the engine's own database.
"""

import datetime
import os

import sqlalchemy as sa

from scs_metering.publisher import base as publisher
from scs_metering.publisher import confinement
from scs_metering.publisher import delivery
from scs_metering.publisher import loader
from scs_metering.publisher import manager
from scs_metering.publisher import sql as sql_sink
from scs_metering.tests import base
from scs_metering.tests import push
from scs_metering.tests.unit.client import base as client_base
from scsmeteringclient import exceptions

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)


def file_sink(url, name='f'):
    return {'name': name, 'driver': 'file', 'url': url}


class FileConfinementTest(base.DBTestCase):

    def confinement(self):
        return confinement.Confinement.from_conf(self.conf)

    def refused(self, url):
        return self.assertRaises(publisher.SinkError, manager.create,
                                 self.conf, self.connection,
                                 file_sink(url, name='refused'))

    def test_relative_paths_are_refused(self):
        for url in ('file://usage.jsonl', 'file://var/lib/x.jsonl',
                    'file:usage.jsonl', 'file:///%s/../../etc/passwd'
                    % self.tempdir, 'file:///tmp/a%00b'):
            error = self.assertRaises(publisher.SinkError, loader.load_sink,
                                      file_sink(url))
            self.assertEqual('url', error.field, url)
            self.assertEqual(400, error.code)

    def test_outside_the_directories_is_refused(self):
        for path in ('/etc/passwd', '/etc/cron.d/x',
                     self.tempdir + '-other/usage.jsonl'):
            error = self.refused('file://' + path)
            self.assertIn('outside [publisher] file_sink_dirs (%s)'
                          % os.path.realpath(self.tempdir), str(error))
        self.assertEqual([], self.connection.sinks())

    def test_inside_is_accepted(self):
        url = 'file://%s/sinks/usage.jsonl' % self.tempdir
        self.assertEqual(url, manager.create(
            self.conf, self.connection, file_sink(url))['url'])

    def test_configured_directories(self):
        other = self.useFixture(base.fixtures.TempDir()).path
        self.config('publisher', file_sink_dirs=[other])
        self.refused('file://%s/usage.jsonl' % self.tempdir)
        manager.create(self.conf, self.connection,
                       file_sink('file://%s/usage.jsonl' % other))
        self.config('publisher', file_sink_dirs=[])
        error = self.refused('file://%s/usage.jsonl' % other)
        self.assertIn('file sinks are disabled', str(error))

    def test_own_sqlite_database_is_refused(self):
        path = os.path.join(self.tempdir, 'own.sqlite')
        self.config('database', connection='sqlite:///' + path)
        for suffix in ('', '-wal', '-journal'):
            error = self.assertRaises(
                publisher.SinkError, manager.validate,
                file_sink('file://' + path + suffix), self.confinement())
            self.assertIn('own database', str(error))

    def test_symbolic_links_out_are_refused(self):
        os.symlink('/etc', os.path.join(self.tempdir, 'etc'))
        self.refused('file://%s/etc/cron.d/x' % self.tempdir)
        # A link made after the sink was accepted is refused at writing.
        path = os.path.join(self.tempdir, 'usage.jsonl')
        sink = loader.load_sink(file_sink('file://' + path))
        sink.confine(self.confinement())
        target = os.path.join(self.tempdir, 'elsewhere')
        open(target, 'w').close()
        os.symlink(target, path)
        fmt = loader.load_format('native')
        self.assertRaises(publisher.TransientError, sink.send,
                          publisher.Batch([], [], b'', fmt.content_type))
        self.assertEqual(0, os.path.getsize(target))

    def test_stored_sink_is_not_delivered_to(self):
        # A sink stored before the confinement, or before the option
        # narrowed it: refused at start, its records wait, status says why.
        store = push.Store(self, self.connection)
        victim = os.path.join(self.tempdir, 'victim')
        stored = store.sink(driver='file', url='file://%s/x' % victim)
        self.config('publisher', file_sink_dirs=[self.tempdir + '/sinks'],
                    linger=0)
        self.assertEqual(
            [(stored['name'], 'url: %s/x is outside [publisher] '
              'file_sink_dirs (%s/sinks)' % (victim, os.path.realpath(
                  self.tempdir)))],
            manager.refused(self.conf, self.connection))
        store.ingest(push.vm_lives(T0, 1))
        deliverer = delivery.Deliverer(self.conf, self.connection, 'a')
        self.addCleanup(deliverer.close)
        self.assertEqual(0, deliverer.run_once())
        self.assertFalse(os.path.exists(victim))
        status = manager.status(self.connection, stored['id'])
        self.assertEqual(0, status['delivered'])
        self.assertGreater(status['backlog'], 0)
        self.assertIn('outside [publisher] file_sink_dirs',
                      status['last_error'])


class SqlConfinementTest(base.TestCase):

    OWN = 'postgresql+psycopg2://scs:secret@localhost/scs_metering'

    def same(self, url, own=OWN):
        return sql_sink.same_database(sa.engine.make_url(url), own)

    def test_same_database(self):
        for url in ('postgresql://other@127.0.0.1:5432/scs_metering',
                    'postgresql+psycopg2://scs@LOCALHOST/scs_metering',
                    'postgresql://u:p@[::1]/scs_metering'):
            self.assertTrue(self.same(url), url)
        for url in ('postgresql://scs@localhost/erp',
                    'postgresql://scs@localhost:5433/scs_metering',
                    'mysql+pymysql://scs@localhost/scs_metering',
                    'postgresql://scs@erp.invalid/scs_metering'):
            self.assertFalse(self.same(url), url)
        own = 'sqlite:///%s/m.sqlite' % self.tempdir
        self.assertTrue(self.same('sqlite:////%s/./m.sqlite'
                                  % self.tempdir.lstrip('/'), own))
        self.assertFalse(self.same('sqlite:///%s/erp.sqlite'
                                   % self.tempdir, own))

    def test_sink_on_the_own_database_is_refused(self):
        own = 'sqlite:///%s/scs_metering.sqlite' % self.tempdir
        self.config('database', connection=own)
        error = self.assertRaises(
            publisher.SinkError, manager.validate,
            {'name': 'erp', 'driver': 'sql', 'url': own},
            confinement.Confinement.from_conf(self.conf))
        self.assertEqual('url', error.field)
        self.assertIn('own database', str(error))
        manager.validate({'name': 'erp', 'driver': 'sql',
                          'url': 'sqlite:///%s/erp.sqlite' % self.tempdir},
                         confinement.Confinement.from_conf(self.conf))


class AmqpConfinementTest(base.TestCase):

    def check(self, url, **options):
        manager.validate({'name': 'bus', 'driver': 'amqp', 'url': url,
                          'options': options},
                         confinement.Confinement.from_conf(self.conf))

    def test_own_topics_on_own_bus_are_refused(self):
        self.config(transport_url='rabbit://guest:guest@localhost:5672/')
        for url, options in (
                ('rabbit://erp@127.0.0.1:5672/',
                 {'exchange': 'nova', 'topic': 'notifications'}),
                ('rabbit://erp@localhost//',
                 {'exchange': 'openstack', 'topic': 'notifications'}),
                ('rabbit://erp@localhost/', {'topic': 'scs_metering_events'}),
                ('rabbit://a@other.invalid,erp@localhost:5672/',
                 {'exchange': 'glance',
                  'topic': 'versioned_notifications'})):
            error = self.assertRaises(publisher.SinkError, self.check, url,
                                      **options)
            self.assertIn('consumed by the service itself', str(error))
        # Its own topic, another virtual host, or another broker is fine.
        self.check('rabbit://erp@localhost:5672/')
        self.check('rabbit://erp@localhost:5672/billing', exchange='nova',
                   topic='notifications')
        self.check('rabbit://erp@localhost:5673/', exchange='nova',
                   topic='notifications')

    def test_a_service_bus_of_its_own(self):
        self.config(transport_url='rabbit://guest@localhost:5672/')
        self.config('notification',
                    nova_transport_url='rabbit://nova@nova-bus.invalid/')
        self.assertRaises(publisher.SinkError, self.check,
                          'rabbit://erp@nova-bus.invalid:5672/',
                          exchange='nova', topic='notifications')


class ApiConfinementTest(client_base.ClientTestCase):

    def test_refused_with_400(self):
        sinks = self.client.sinks
        for url, reason in (
                ('file:///etc/passwd', 'outside [publisher] file_sink_dirs'),
                ('file:///etc/cron.d/x', 'outside [publisher] '
                                         'file_sink_dirs'),
                ('file://usage.jsonl', 'an absolute path'),
                ('file:///%s/../../etc/passwd' % self.tempdir, '".."')):
            error = self.assertRaises(
                exceptions.BadRequest, sinks.create, name='evil',
                driver='file', url=url)
            self.assertEqual(400, error.status_code)
            self.assertIn(reason, str(error))
        created = sinks.create(**self.file_sink('archive'))
        error = self.assertRaises(exceptions.BadRequest, sinks.update,
                                  created['id'], url='file:///etc/passwd')
        self.assertIn('outside [publisher] file_sink_dirs', str(error))
        self.assertEqual([created], sinks.list())
