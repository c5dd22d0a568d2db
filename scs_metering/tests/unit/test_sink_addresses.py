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
"""Sinks may not reach forbidden addresses, checked at connect time too.

Names go through the system's real resolver: ``localhost`` resolves to
loopback, and glibc reads ``0xa9fea9fe`` as 169.254.169.254. A real
webhook listens on 127.0.0.1; with loopback forbidden, a connection to it
is closed before any request is sent, which is what happens to a name
that resolved elsewhere when the sink was written (DNS rebinding).
"""

import socket

from scs_metering.publisher import addresses
from scs_metering.publisher import base as publisher
from scs_metering.publisher import delivery
from scs_metering.publisher import loader
from scs_metering.publisher import manager
from scs_metering.tests import base
from scs_metering.tests import push
from scs_metering.tests.unit import test_publisher_http as http_test
from scs_metering.tests import webhook

NO_LOOPBACK = addresses.Policy(loopback=False)


class PolicyTest(base.TestCase):

    def test_literal_forms(self):
        for host in ('169.254.169.254', '2852039166', '0xa9fea9fe',
                     '0xa9.0xfe.0xa9.0xfe', '169.254.43518',
                     '::ffff:169.254.169.254', 'fe80::1%eth0'):
            self.assertIn('link-local', addresses.Policy().host(host), host)
        self.assertIn('metadata', addresses.Policy().host('fd00:ec2::254'))
        self.assertIn('metadata host', addresses.Policy().host(
            'Metadata.Google.Internal.'))

    def test_names_resolved_by_the_system(self):
        self.assertEqual('127.0.0.1', socket.gethostbyname('localhost'))
        self.assertIsNone(addresses.Policy().host('localhost'))
        self.assertRegex(NO_LOOPBACK.host('localhost', 80),
                         r'^localhost resolves to (127\.0\.0\.1|::1), a '
                         r'loopback address$')
        for host in ('127.1', '0x7f000001', '::1', '0.0.0.0', '::'):
            self.assertIn('loopback', NO_LOOPBACK.host(host), host)
        # A name that does not resolve passes: the sink checks where it
        # leads when it connects.
        self.assertIsNone(NO_LOOPBACK.host('sink.invalid'))
        for host in ('10.0.0.1', '192.0.2.7', '2001:db8::1'):
            self.assertIsNone(NO_LOOPBACK.host(host), host)

    def test_allowed_by_configuration(self):
        everything = addresses.Policy(link_local=True, loopback=True)
        self.assertFalse(everything.restricts)
        for host in ('169.254.169.254', 'metadata', 'localhost'):
            self.assertIsNone(everything.host(host), host)
        link_local = addresses.Policy(link_local=True, loopback=False)
        self.assertIsNone(link_local.host('0xa9fea9fe'))
        self.assertIsNotNone(link_local.host('localhost'))


class ConnectTimeTest(base.TestCase):

    def sink(self, url, policy, **definition):
        sink = loader.load_sink(dict(definition, name='s', driver=url.split(
            ':')[0], url=url, options=dict(definition.get('options', {}),
                                           timeout=10)))
        self.addCleanup(sink.close)
        sink.guard(policy)
        return sink

    def test_http_by_name(self):
        hook = webhook.Webhook()
        self.addCleanup(hook.stop)
        url = 'http://localhost:%d/usage' % hook.port
        refused = self.assertRaises(
            publisher.TransientError, self.sink(url, NO_LOOPBACK).send,
            http_test.batch(http_test.record('vm1')))
        self.assertIn('connected to 127.0.0.1, a loopback address',
                      str(refused))
        self.assertEqual([], hook.requests)
        # Allowed addresses go through the same checking connections.
        self.sink(url, addresses.Policy()).send(
            http_test.batch(http_test.record('vm1')))
        self.assertEqual(1, len(hook.requests))

    def test_https(self):
        certificates = http_test.Certificates(self.tempdir)
        hook = webhook.Webhook(tls=certificates.server_context())
        self.addCleanup(hook.stop)
        options = {'ca_file': certificates.ca_file}
        self.assertRaises(
            publisher.TransientError, self.sink(
                hook.url, NO_LOOPBACK, options=options).send,
            http_test.batch(http_test.record('vm1')))
        self.assertEqual([], hook.requests)
        self.sink(hook.url, addresses.Policy(), options=options).send(
            http_test.batch(http_test.record('vm1')))
        self.assertEqual(1, len(hook.requests))


class DelivererTest(base.DBTestCase):

    def test_the_engine_guards_its_sinks(self):
        self.config('api', allow_loopback_sinks=False)
        self.config('publisher', linger=0)
        hook = webhook.Webhook()
        self.addCleanup(hook.stop)
        store = push.Store(self, self.connection)
        # Written past the API, as a sinks file or a rebound name would.
        sink = store.sink(driver='http', url=hook.url, options={
            'timeout': 5})
        store.ingest(push.vm_lives(http_test.T0, 1))
        deliverer = delivery.Deliverer(self.conf, self.connection, 'a')
        self.addCleanup(deliverer.close)
        self.assertEqual(0, deliverer.run_once())
        status = manager.status(self.connection, sink['id'])
        self.assertIn('a loopback address', status['last_error'])
        self.assertEqual(3, status['backlog'])
        self.assertEqual([], hook.requests)
