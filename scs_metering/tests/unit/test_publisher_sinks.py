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
"""Sink definitions: clear errors, secrets encrypted at rest and masked."""

import sqlalchemy as sa

from scs_metering.db.sqlalchemy import models
from scs_metering.publisher import base as publisher
from scs_metering.publisher import manager
from scs_metering.publisher import secrets
from scs_metering.tests import base
from scs_metering.tests import push

HOOK = 'https://billing.example.com/usage'


class ValidationTest(base.TestCase):

    def assertRefused(self, field, text, definition):
        error = self.assertRaises(publisher.SinkError, manager.validate,
                                  definition)
        self.assertEqual(field, error.field, str(error))
        self.assertIn(text, str(error))
        self.assertTrue(str(error).startswith(field or ''), str(error))

    def test_unknown_driver(self):
        self.assertRefused('driver', "unknown driver 'smtp'; available: "
                           "amqp, file, http, https, sql",
                           {'name': 'a', 'driver': 'smtp', 'url': HOOK})

    def test_missing_driver(self):
        self.assertRefused('driver', 'is required', {'name': 'a'})

    def test_unknown_format(self):
        self.assertRefused('format', "unknown format 'xml'; available: "
                           "ceilometer, cloudevents, focus, lago, native",
                           {'name': 'a', 'driver': 'https', 'url': HOOK,
                            'format': 'xml'})

    def test_bad_urls(self):
        for driver, url, text in (
                ('http', 'ftp://host/x', 'http(s)://host/path URL'),
                ('http', 'http://', 'http(s)://host/path URL'),
                ('https', 'http://host/x', 'needs an https:// URL'),
                ('http', 'http://host:port/x', 'Port could not be'),
                ('file', 'http://host/x', 'file:///path'),
                ('sql', 'nonsense', 'not an SQLAlchemy URL'),
                ('sql', 'oracle+nodriver://h/db', 'url:'),
                ('amqp', 'rabbit-host', 'transport URL')):
            self.assertRefused('url', text, {'name': 'a', 'driver': driver,
                                             'url': url})

    def test_missing_secrets(self):
        self.assertRefused('secrets.token', 'missing; required by '
                           'options.auth=bearer',
                           {'name': 'a', 'driver': 'https', 'url': HOOK,
                            'options': {'auth': 'bearer'}})
        self.assertRefused('secrets.password', 'missing; required by '
                           'options.auth=basic',
                           {'name': 'a', 'driver': 'https', 'url': HOOK,
                            'options': {'auth': 'basic',
                                        'username': 'erp'}})

    def test_bad_options_and_filters(self):
        base_definition = {'name': 'a', 'driver': 'https', 'url': HOOK}
        for field, text, extra in (
                ('options.timout', 'unknown option of the https driver',
                 {'options': {'timout': 3}}),
                ('options.timeout', 'must be a number',
                 {'options': {'timeout': 'soon'}}),
                ('options.verify', 'must be true or false',
                 {'options': {'verify': 'no'}}),
                ('options.auth', 'must be one of none, basic, bearer',
                 {'options': {'auth': 'digest'}}),
                ('secrets.api_key', 'not a secret of the https driver',
                 {'secrets': {'api_key': 'x'}}),
                ('filters.kinds', 'unknown kinds usage_record',
                 {'filters': {'kinds': ['usage_record']}}),
                ('filters.regions', 'unknown filter',
                 {'filters': {'regions': ['r1']}}),
                ('filters.meters', 'must be a list of strings',
                 {'filters': {'meters': 'instance'}}),
                ('name', 'letters, digits', {'name': 'a b'}),
                ('colour', 'unknown field', {'colour': 'blue'})):
            self.assertRefused(field, text, dict(base_definition, **extra))

    def test_password_in_url_moves_to_secrets(self):
        sink = manager.validate({
            'name': 'erp', 'driver': 'sql',
            'url': 'postgresql+psycopg2://erp:s%40cret@db.example/erp'})
        self.assertEqual('postgresql+psycopg2://erp@db.example/erp',
                         sink['url'])
        self.assertEqual({'password': 's@cret'}, sink['secrets'])


class StorageTest(base.DBTestCase):

    def setUp(self):
        super().setUp()
        push.Store(self, self.connection)
        self.definition = {
            'name': 'erp', 'driver': 'https', 'url': HOOK,
            'options': {'auth': 'bearer'},
            'secrets': {'token': 'tok-123', 'hmac_key': 'mac-456'}}

    def raw_secrets(self):
        with self.connection._reader() as session:
            return session.scalar(sa.select(models.Sink.secrets))

    def test_secrets_are_encrypted_at_rest_and_masked(self):
        shown = manager.store(self.conf, self.connection, self.definition)
        self.assertEqual({'token': secrets.MASK, 'hmac_key': secrets.MASK},
                         shown['secrets'])
        raw = self.raw_secrets()
        self.assertNotIn('tok-123', raw)
        self.assertNotIn('mac-456', raw)
        self.assertEqual(shown, manager.get(self.conf, self.connection,
                                            shown['id']))
        usable = manager.usable(self.conf, self.connection.sink(shown['id']))
        self.assertEqual(self.definition['secrets'], usable['secrets'])

    def test_update_without_secrets_keeps_them(self):
        shown = manager.store(self.conf, self.connection, self.definition)
        changed = dict(self.definition, options={'auth': 'bearer',
                                                 'timeout': 5})
        del changed['secrets']
        again = manager.store(self.conf, self.connection, changed,
                              sink_id=shown['id'])
        self.assertEqual(shown['id'], again['id'])
        self.assertEqual(5, again['options']['timeout'])
        self.assertEqual(self.definition['secrets'], manager.usable(
            self.conf, self.connection.sink(shown['id']))['secrets'])

    def test_secrets_need_a_key(self):
        self.config('publisher', secret_keys=[])
        error = self.assertRaises(publisher.SinkError, manager.store,
                                  self.conf, self.connection,
                                  self.definition)
        self.assertEqual('secrets', error.field)
        self.assertIn('[publisher] secret_keys', str(error))
        self.assertEqual([], self.connection.sinks())

    def test_keys_rotate(self):
        manager.store(self.conf, self.connection, self.definition)
        old = self.conf.publisher.secret_keys
        self.config('publisher', secret_keys=[secrets.new_key()] + old)
        stored = self.connection.sinks()[0]
        self.assertEqual('tok-123', manager.usable(
            self.conf, stored)['secrets']['token'])
        self.config('publisher', secret_keys=[secrets.new_key()])
        error = self.assertRaises(publisher.SinkError, manager.usable,
                                  self.conf, stored)
        self.assertIn('cannot decrypt', str(error))

    def test_unknown_sink(self):
        for call in (manager.pause, manager.resume, manager.status,
                     manager.retry_dead_letters, manager.delete):
            error = self.assertRaises(manager.SinkNotFound, call,
                                      self.connection, 'nope')
            self.assertEqual('id', error.field)

    def test_names_are_unique(self):
        first = manager.store(self.conf, self.connection, self.definition)
        error = self.assertRaises(manager.SinkExists, manager.create,
                                  self.conf, self.connection,
                                  self.definition)
        self.assertEqual('name', error.field)
        self.assertEqual(409, error.code)
        other = manager.store(self.conf, self.connection,
                              dict(self.definition, name='other'))
        error = self.assertRaises(publisher.SinkError, manager.store,
                                  self.conf, self.connection,
                                  dict(self.definition, name='erp'),
                                  sink_id=other['id'])
        self.assertEqual('name: another sink is named erp', str(error))
        self.assertEqual(first, manager.get(self.conf, self.connection,
                                            first['id']))

    def test_delete(self):
        shown = manager.store(self.conf, self.connection, self.definition)
        manager.delete(self.connection, shown['id'])
        self.assertEqual([], self.connection.sinks())

    def test_seed_from_yaml(self):
        self.config('publisher', file_sink_dirs=['/var/lib/scs-metering'])
        path = self.write_file('sinks.yaml', """
sinks:
  - name: erp
    driver: https
    url: %s
    format: cloudevents
    secrets: {hmac_key: k}
  - name: archive
    driver: file
    url: file:///var/lib/scs-metering/usage.jsonl
    filters: {kinds: [usage]}
""" % HOOK)
        manager.seed(self.connection, path, self.conf)
        self.assertEqual(['archive', 'erp'],
                         [s['name'] for s in self.connection.sinks()])
        bad = self.write_file('bad.yaml', 'sinks:\n  - {name: x, '
                              'driver: smtp}\n')
        error = self.assertRaises(publisher.SinkError, manager.seed,
                                  self.connection, bad, self.conf)
        self.assertEqual('driver', error.field)
        self.assertIn('bad.yaml: sinks[0]: driver: unknown driver',
                      str(error))
