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
"""Huge query strings and headers under the install guide's uWSGI.

The API runs under uWSGI (pyuwsgi, uWSGI's wheels) with the guide's own
``api-uwsgi.ini``, read from doc/source/install/from-source.rst; only the
socket's address and the configuration file's path are this test's. uWSGI
passes an empty QUERY_STRING from 32 KiB on, but the whole REQUEST_URI:
the API must answer such a request with a 414 in JSON, as it answers a
query over ``[api] max_query_length``, never as if the client had asked
for less and never by dropping the connection.
"""

import http.client
import json
import os
import re
import subprocess
import sys

import fixtures

from scs_metering.tests.functional.api import keystone
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                     'source', 'install', 'from-source.rst')
INI = '/etc/scs-metering/api-uwsgi.ini'
KIB = 1024


def guide_ini():
    """The text of the guide's api-uwsgi.ini block."""
    with open(GUIDE) as f:
        text = f.read()
    block = re.search(r':caption: %s\n\n((?:   .*\n|\n)+)' % re.escape(INI),
                      text).group(1)
    return '\n'.join(line[3:] for line in block.splitlines()) + '\n'


class UWSGILimitsTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.database('sqlite')
        directory = self.useFixture(fixtures.TempDir()).path
        config = os.path.join(directory, 'scs-metering.conf')
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n[database]\nconnection = %s'
                    '\n[api]\nauth_strategy = noauth\n' % (
                        directory, self.conf.database.connection))
        self.port = keystone.free_port()
        ini = guide_ini()
        self.assertIn('http-socket = :8789\n', ini)
        self.assertIn('buffer-size = 65535\n', ini)
        ini = ini.replace('http-socket = :8789', 'http-socket = 127.0.0.1:%d'
                          % self.port).replace(
            '/etc/scs-metering/scs-metering.conf', config)
        path = os.path.join(directory, 'api-uwsgi.ini')
        with open(path, 'w') as f:
            f.write(ini)
        log = open(os.path.join(directory, 'uwsgi.log'), 'ab')
        self.addCleanup(log.close)
        # pyuwsgi starts Python before it reads the ini's env line, so
        # the environment carries it too (the guide's uWSGI reads it).
        process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), 'uwsgi'),
             '--ini', path], env=dict(os.environ,
                                      SCS_METERING_CONFIG_FILES=config),
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.addCleanup(process.wait, 30)
        self.addCleanup(process.terminate)
        services.wait_for(lambda: self._serving(process), timeout=60,
                          what='uWSGI serving the API')

    def _serving(self, process):
        if process.poll() is not None:
            raise AssertionError('uWSGI exited with %s' % process.returncode)
        try:
            return self.get('/')[0] == 200
        except OSError:
            return False

    def get(self, path, headers=None):
        """(status, content type, body) of one request on a new connection.

        A dropped connection raises (RemoteDisconnected or a reset).
        """
        connection = http.client.HTTPConnection('127.0.0.1', self.port,
                                                timeout=30)
        try:
            connection.request('GET', path, headers=headers or {})
            answer = connection.getresponse()
            return (answer.status, answer.getheader('Content-Type'),
                    answer.read())
        finally:
            connection.close()

    def assertJSONError(self, status, answer, words):
        self.assertEqual(status, answer[0], answer)
        self.assertEqual('application/json', answer[1].split(';')[0])
        self.assertIn(words, json.loads(answer[2])['error']['message'])

    def test_huge_query_strings_get_414_in_json(self):
        for size, words in (
                (20 * KIB, 'longer than 16384 bytes'),
                # From 32 KiB uWSGI passes QUERY_STRING empty.
                (32 * KIB, 'longer than the WSGI server passes on'),
                (40 * KIB, 'longer than the WSGI server passes on'),
                # Just below uWSGI's buffer, with the request line's rest.
                (63 * KIB, 'longer than the WSGI server passes on')):
            with self.subTest(size=size):
                query = 'meter=' + 'm' * (size - len('meter='))
                self.assertJSONError(414, self.get('/v1/usage?' + query),
                                     words)

    def test_large_headers_get_an_answer(self):
        for size in (16 * KIB, 32 * KIB, 60 * KIB):
            with self.subTest(size=size):
                status, kind, body = self.get('/v1/usage', headers={
                    'X-Padding': 'p' * size})
                self.assertLess(status, 500, body)
                self.assertEqual('application/json', kind.split(';')[0])
                json.loads(body)
