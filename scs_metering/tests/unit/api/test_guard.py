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
"""The request line is checked before the API reads it."""

import datetime
import json

from scs_metering.api import guard
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.tests import base


class GuardTest(base.TestCase):

    def call(self, path, query='', **environ):
        passed, answers = [], []

        def app(environ, start_response):
            passed.append(environ)
            start_response('200 OK', [])
            return [b'']

        def start_response(status, headers):
            answers.append((int(status.split()[0]), dict(headers)))

        body = guard.RequestGuard(app, self.conf)(
            dict(environ, REQUEST_METHOD='GET', PATH_INFO=path,
                 QUERY_STRING=query),
            start_response)
        status, headers = answers[0]
        if passed:
            return status, None
        self.assertEqual('application/json',
                         headers['Content-Type'].split(';')[0])
        return status, json.loads(b''.join(body))['error']['message']

    def test_passes_ordinary_requests(self):
        self.assertEqual((200, None), self.call(
            '/v1/usage', 'meter=instance&start=2026-01-01T00%3A00%3A00Z',
            REQUEST_URI='/v1/usage?meter=instance&start=2026-01-01T00%3A00'
                        '%3A00Z'))
        self.assertEqual((200, None), self.call(
            '/v1/resources/instance/\xc3\xa9t\xc3\xa9', 'group_by=a+b'))

    def test_query_cut_by_the_server(self):
        # uWSGI passes QUERY_STRING empty when it is 32 KiB or more, but
        # REQUEST_URI whole.
        status, message = self.call(
            '/v1/usage', '', REQUEST_URI='/v1/usage?meter=' + 'x' * 40000)
        self.assertEqual(414, status)
        self.assertIn('longer than the WSGI server passes on', message)

    def test_query_too_long(self):
        self.config('api', max_query_length=1024)
        self.assertEqual(200, self.call('/v1/usage', 'm=' + 'x' * 1022)[0])
        self.assertEqual((414, 'The query string is longer than 1024 '
                               'bytes.'),
                         self.call('/v1/usage', 'm=' + 'x' * 1023))

    def test_controls_and_bad_utf8(self):
        for path, query, why in (
                ('/v1/sinks/a\x00b', '', 'path holds a NUL'),
                ('/v1/sinks/a\x7fb', '', 'path holds a NUL'),
                ('/v1/sinks/\xff', '', 'path is not valid UTF-8'),
                ('/v1/usage', 'meter=a%00b', 'query string holds a NUL'),
                ('/v1/usage', 'meter=a%0d%0ab', 'query string holds a NUL'),
                ('/v1/usage', 'meter=%c3%28', 'query string is not valid')):
            status, message = self.call(path, query)
            self.assertEqual(400, status, path + query)
            self.assertIn(why, message)


class DepthTest(base.TestCase):

    def test_depth(self):
        self.assertEqual(0, validation.depth('a'))
        self.assertEqual(1, validation.depth({'a': 1}))
        self.assertEqual(3, validation.depth({'a': [1, {'b': 2}], 'c': 3}))
        # Deeper than Python's recursion limit: the walk is iterative.
        self.assertEqual(50000, validation.depth(_nested(50000)))


def _nested(levels):
    value = []
    for _ in range(levels - 1):
        value = [value]
    return value


class IsoformatTest(base.TestCase):

    def test_years_before_1000_have_four_digits(self):
        self.assertEqual('0001-01-01T00:00:00Z', timeutils.isoformat(
            datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc)))
        self.assertEqual('2026-12-07T19:05:09Z', timeutils.isoformat(
            datetime.datetime(2026, 12, 7, 19, 5, 9, 999,
                              tzinfo=datetime.timezone.utc)))
