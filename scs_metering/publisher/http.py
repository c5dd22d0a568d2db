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
"""The ``http`` and ``https`` sinks: a webhook taking JSON batches.

Each batch is one POST of the format's body, with:

- ``Idempotency-Key``: a digest of the batch's (record id, revision)
  pairs, the same whenever the same records are sent again;
- with ``secrets.hmac_key``, ``X-SCS-Metering-Timestamp`` (Unix seconds)
  and ``X-SCS-Metering-Signature: v1=<hex HMAC-SHA256 of the key over
  "<timestamp>." followed by the body>``; doc/source/admin/sinks.rst has
  the recipe to check it;
- basic (``options.auth: basic``, ``options.username``,
  ``secrets.password``) or bearer (``options.auth: bearer``,
  ``secrets.token``) authorisation.

2xx is success. 408, 429, 5xx, timeouts and connection errors are
transient and ``Retry-After`` is honoured; other answers are permanent and
the answer is kept in the dead letter. A connection that reaches an
address the engine's policy forbids (publisher/addresses.py) is closed
before anything is sent, and the batch waits like after a connection
error.
"""

import email.utils
import hashlib
import hmac
import time
import urllib.parse

import requests
from requests import adapters

from scs_metering.common import timeutils
from scs_metering.publisher import addresses
from scs_metering.publisher import base
from scs_metering.publisher import options
from scs_metering import version

SIGNATURE_HEADER = 'X-SCS-Metering-Signature'
TIMESTAMP_HEADER = 'X-SCS-Metering-Timestamp'
TRANSIENT = frozenset((408, 429))
# Enough of an answer to tell why it was refused, not a whole error page.
ANSWER_LIMIT = 65536


def signature(key, timestamp, body):
    mac = hmac.new(key.encode(), b'%d.' % timestamp + body, hashlib.sha256)
    return 'v1=' + mac.hexdigest()


def retry_after(value, now=None):
    """Seconds from a Retry-After header: delta-seconds or HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or timeutils.utcnow()
    return max(0, int((when - now).total_seconds()))


def _guarded(pool, policy):
    """A urllib3 pool class whose connections check their peer."""

    class Connection(pool.ConnectionCls):
        def _new_conn(self):
            sock = super()._new_conn()
            try:
                policy.connected(sock)
            except addresses.Forbidden:
                sock.close()
                raise
            return sock

    return type(pool.__name__, (pool,), {'ConnectionCls': Connection})


class GuardedAdapter(adapters.HTTPAdapter):
    """Checks where each new connection leads, after DNS, before sending.

    Connections through a proxy check the proxy's address: the proxy
    resolves the sink's name.
    """

    def __init__(self, policy):
        self.policy = policy
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        manager = self.poolmanager
        manager.pool_classes_by_scheme = {
            scheme: _guarded(pool, self.policy)
            for scheme, pool in manager.pool_classes_by_scheme.items()}


class HttpSink(base.Sink):
    scheme = 'http'

    def __init__(self, definition):
        super().__init__(definition)
        url = definition.get('url')
        parsed = urllib.parse.urlsplit(url or '')
        if parsed.scheme not in ('http', 'https') or not parsed.hostname:
            raise base.SinkError('an http(s)://host/path URL is required, '
                                 'got %r' % url, 'url')
        if self.scheme == 'https' and parsed.scheme != 'https':
            raise base.SinkError('the https driver needs an https:// URL',
                                 'url')
        if parsed.username:
            raise base.SinkError('put the user in options.username, not '
                                 'in the URL', 'url')
        try:
            parsed.port
        except ValueError as exc:
            raise base.SinkError(str(exc), 'url')
        self.url = url
        reader = options.Reader(
            definition, self.scheme,
            ('timeout', 'connect_timeout', 'verify', 'ca_file', 'cert_file',
             'key_file', 'auth', 'username', 'headers'),
            ('hmac_key', 'password', 'token'))
        self.timeout = (reader.option('connect_timeout', 10, float, 0.1),
                        reader.option('timeout', 30, float, 0.1))
        verify = reader.option('verify', True, bool)
        ca_file = reader.option('ca_file')
        self.verify = ca_file if (verify and ca_file) else verify
        cert, key = reader.option('cert_file'), reader.option('key_file')
        if key and not cert:
            raise base.SinkError('a key_file needs a cert_file',
                                 'options.key_file')
        self.cert = (cert, key) if key else cert
        self.hmac_key = reader.secret('hmac_key')
        headers = reader.option('headers', {}, dict)
        self.headers = {str(k): str(v) for k, v in headers.items()}
        self.headers['User-Agent'] = 'scs-metering/%s' % (
            version.version_info.version_string())
        self.auth = None
        auth = reader.option('auth', 'none', str,
                             choices=('none', 'basic', 'bearer'))
        if auth == 'basic':
            username = reader.option('username')
            if not username:
                raise base.SinkError('required by options.auth=basic',
                                     'options.username')
            self.auth = (username, reader.secret(
                'password', 'options.auth=basic'))
        elif auth == 'bearer':
            self.headers['Authorization'] = 'Bearer %s' % reader.secret(
                'token', 'options.auth=bearer')
        self.session = requests.Session()

    def guard(self, policy):
        if policy.restricts:
            adapter = GuardedAdapter(policy)
            for prefix in ('http://', 'https://'):
                self.session.mount(prefix, adapter)

    def send(self, batch):
        headers = dict(self.headers, **{
            'Content-Type': batch.content_type,
            'Idempotency-Key': batch.key,
        })
        if self.hmac_key:
            timestamp = int(time.time())
            headers[TIMESTAMP_HEADER] = str(timestamp)
            headers[SIGNATURE_HEADER] = signature(self.hmac_key, timestamp,
                                                  batch.body)
        try:
            response = self.session.post(
                self.url, data=batch.body, headers=headers, auth=self.auth,
                timeout=self.timeout, verify=self.verify, cert=self.cert,
                allow_redirects=False)
        except (requests.RequestException, addresses.Forbidden) as exc:
            # Timeouts, refused and reset connections, TLS failures, a
            # name that leads somewhere forbidden: all can heal, and the
            # records wait meanwhile.
            raise base.TransientError('%s: %s' % (type(exc).__name__, exc))
        status = response.status_code
        if 200 <= status < 300:
            return
        answer = 'HTTP %d %s\n%s' % (
            status, response.reason or '', response.text[:ANSWER_LIMIT])
        if status >= 500 or status in TRANSIENT:
            raise base.TransientError(
                answer.splitlines()[0],
                retry_after(response.headers.get('Retry-After')))
        raise base.PermanentError(answer.splitlines()[0], answer)

    def close(self):
        self.session.close()


class HttpsSink(HttpSink):
    scheme = 'https'
