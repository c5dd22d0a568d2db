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
"""The http(s) sink against a real server on loopback, TLS included."""

import base64
import datetime
import email.utils
import hashlib
import hmac
import ipaddress
import os
import ssl
import time

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509 import oid

from scs_metering.db import models
from scs_metering.engine import usage
from scs_metering.publisher import base as publisher
from scs_metering.publisher import loader
from scs_metering.tests import base
from scs_metering.tests import webhook

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)


def record(vm, revision=1):
    return models.Record(
        id=usage.record_id('instance', 'instance', vm, T0, {}),
        meter='instance', unit='s', resource_type='instance',
        resource_id=vm, project_id='p1', user_id='u1', window_start=T0,
        window_end=T0 + HOUR, attributes={'flavor_name': 'm1.small'},
        quantity=3600, provenance={'notification': 3600},
        revision=revision, created_at=T0)


def batch(*records, format_name='native'):
    fmt = loader.load_format(format_name)
    documents = [fmt.document(r) for r in records]
    return publisher.Batch(list(records), documents, fmt.encode(documents),
                           fmt.content_type)


def check_signature(key, headers, body, tolerance=300):
    """The receiver's side, as doc/source/admin/sinks.rst tells it."""
    timestamp = headers['X-SCS-Metering-Timestamp']
    expected = 'v1=' + hmac.new(key.encode(), timestamp.encode() + b'.' +
                                body, hashlib.sha256).hexdigest()
    return (hmac.compare_digest(expected,
                                headers['X-SCS-Metering-Signature']) and
            abs(time.time() - int(timestamp)) <= tolerance)


class Certificates:
    """A CA, a server certificate for 127.0.0.1 and a client one."""

    def __init__(self, directory):
        self.directory = directory
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME,
                                             'test CA')])
        self.ca = self._sign(name, self.ca_key.public_key(), ca=True)
        self.ca_file = self._write('ca.pem', self.ca)
        self.server_cert, self.server_key = self._issue(
            'server', x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]))
        self.client_cert, self.client_key = self._issue('client', None)

    def _sign(self, subject, public_key, ca=False, extension=None):
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = x509.CertificateBuilder().subject_name(subject).issuer_name(
            x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME,
                                          'test CA')])).public_key(
            public_key).serial_number(x509.random_serial_number(
            )).not_valid_before(now - HOUR).not_valid_after(
            now + HOUR).add_extension(
            x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        if extension is not None:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(self.ca_key, hashes.SHA256())

    def _write(self, name, cert=None, key=None):
        path = os.path.join(self.directory, name)
        with open(path, 'wb') as f:
            if cert is not None:
                f.write(cert.public_bytes(serialization.Encoding.PEM))
            if key is not None:
                f.write(key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()))
        return path

    def _issue(self, name, extension):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._sign(x509.Name([x509.NameAttribute(
            oid.NameOID.COMMON_NAME, name)]), key.public_key(),
            extension=extension)
        return (self._write(name + '.pem', cert),
                self._write(name + '.key', key=key))

    def server_context(self, client_certificates=False):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.server_cert, self.server_key)
        if client_certificates:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.ca_file)
        return context


class HttpSinkTest(base.TestCase):

    def hook(self, **kwargs):
        hook = webhook.Webhook(**kwargs)
        self.addCleanup(hook.stop)
        return hook

    def sink(self, url, driver='http', **definition):
        definition.setdefault('options', {})
        definition['options'].setdefault('timeout', 10)
        sink = loader.load_sink(dict(definition, name='s', driver=driver,
                                     url=url))
        self.addCleanup(sink.close)
        return sink

    def test_headers_signature_and_idempotency_key(self):
        hook = self.hook(hmac_key='k3y')
        sink = self.sink(hook.url, secrets={'hmac_key': 'k3y'})
        sent = batch(record('vm1'), record('vm2'))
        sink.send(sent)
        sink.send(batch(record('vm2'), record('vm1')))
        sink.send(batch(record('vm1'), record('vm1', revision=2)))
        first, again, other = [r[0] for r in hook.requests]
        self.assertEqual(0, hook.bad_signatures)
        self.assertTrue(check_signature('k3y', first, sent.body))
        self.assertFalse(check_signature('other', first, sent.body))
        self.assertEqual('application/json', first['Content-Type'])
        self.assertRegex(first['User-Agent'], '^scs-metering/')
        # The same records give the same key, whatever their order.
        self.assertEqual(first['Idempotency-Key'],
                         again['Idempotency-Key'])
        self.assertNotEqual(first['Idempotency-Key'],
                            other['Idempotency-Key'])

    def test_cloudevents_batch_content_type(self):
        hook = self.hook()
        self.sink(hook.url).send(batch(record('vm1'),
                                       format_name='cloudevents'))
        self.assertEqual('application/cloudevents-batch+json',
                         hook.requests[0][0]['Content-Type'])

    def test_basic_and_bearer_auth(self):
        hook = self.hook()
        self.sink(hook.url, options={'auth': 'basic', 'username': 'erp'},
                  secrets={'password': 'pw'}).send(batch(record('vm1')))
        self.sink(hook.url, options={'auth': 'bearer'},
                  secrets={'token': 't0k'}).send(batch(record('vm1')))
        basic, bearer = [r[0]['Authorization'] for r in hook.requests]
        self.assertEqual('Basic ' + base64.b64encode(b'erp:pw').decode(),
                         basic)
        self.assertEqual('Bearer t0k', bearer)

    def test_answers_are_classified(self):
        hook = self.hook()
        sink = self.sink(hook.url)
        # An HTTP-date counts down while the test runs: a loaded machine
        # may take seconds between here and the answer, so the bound is
        # the time that really passed, not a fixed second.
        sent = time.monotonic()
        later = email.utils.format_datetime(
            datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(seconds=120), usegmt=True)
        for behaviour, error, retry_after in (
                (('status', 500), publisher.TransientError, None),
                (('status', 502), publisher.TransientError, None),
                (('status', 408), publisher.TransientError, None),
                (('status', 429, {'Retry-After': '7'}),
                 publisher.TransientError, 7),
                (('status', 503, {'Retry-After': later}),
                 publisher.TransientError, 119),
                (('status', 400, {}, 'bad record'),
                 publisher.PermanentError, None),
                (('status', 422), publisher.PermanentError, None),
                (('status', 301, {'Location': 'http://elsewhere/'}),
                 publisher.PermanentError, None)):
            hook.then(behaviour)
            raised = self.assertRaises(error, sink.send,
                                       batch(record('vm1')))
            self.assertIn('HTTP %d' % behaviour[1], str(raised))
            if retry_after is not None:
                passed = time.monotonic() - sent
                self.assertAlmostEqual(retry_after, raised.retry_after,
                                       delta=1 + passed)
            if error is publisher.PermanentError:
                self.assertIn('HTTP %d' % behaviour[1], raised.answer)
        # The answer is kept whole for the dead letter.
        hook.then(('status', 400, {}, 'bad record'))
        refused = self.assertRaises(publisher.PermanentError, sink.send,
                                    batch(record('vm1')))
        self.assertEqual('HTTP 400 Bad Request\nbad record', refused.answer)

    def test_timeouts_resets_and_refusals_are_transient(self):
        hook = self.hook()
        sink = self.sink(hook.url, options={'timeout': 0.3})
        hook.then(('sleep', 1), ('reset',))
        self.assertIn('Timeout', str(self.assertRaises(
            publisher.TransientError, sink.send, batch(record('vm1')))))
        self.assertIn('Connection', str(self.assertRaises(
            publisher.TransientError, sink.send, batch(record('vm1')))))
        hook.stop()
        self.assertRaises(publisher.TransientError, sink.send,
                          batch(record('vm1')))

    def test_tls_verification_ca_bundle_and_client_certificate(self):
        certs = Certificates(self.tempdir)
        hook = self.hook(tls=certs.server_context(client_certificates=True))
        # Verification is on by default: an unknown CA is refused.
        self.assertIn('SSLError', str(self.assertRaises(
            publisher.TransientError,
            self.sink(hook.url, driver='https').send,
            batch(record('vm1')))))
        # Known CA, but the server wants a client certificate.
        self.assertRaises(publisher.TransientError, self.sink(
            hook.url, driver='https',
            options={'ca_file': certs.ca_file}).send, batch(record('vm1')))
        self.sink(hook.url, driver='https', options={
            'ca_file': certs.ca_file, 'cert_file': certs.client_cert,
            'key_file': certs.client_key}).send(batch(record('vm1')))
        self.assertEqual(1, len(hook.delivered))
