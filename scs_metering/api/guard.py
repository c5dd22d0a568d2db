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
"""Checks of the request line, before anything reads it.

A path or query string that no client of this API sends on purpose is
refused here with a JSON error, so that it never reaches keystonemiddleware,
pecan or the database: a NUL byte would otherwise make PostgreSQL refuse
the statement (a 500), and a query string that the WSGI server cut short
(uWSGI drops a QUERY_STRING of 32 KiB or more but keeps REQUEST_URI whole)
would otherwise be answered as if the client had asked for less.
"""

import re
import urllib.parse

from scs_metering.api import hooks

# C0 controls and DEL: no id, name, time or filter of this API holds one.
_CONTROL = re.compile(rb'[\x00-\x1f\x7f]')


def _problem(raw, what):
    """Why the decoded bytes ``raw`` are refused; None if they are fine."""
    try:
        raw.decode('utf-8')
    except UnicodeDecodeError:
        return 400, 'The %s is not valid UTF-8.' % what
    if _CONTROL.search(raw):
        return 400, 'The %s holds a NUL or another control character.' % what
    return None


class RequestGuard:
    """414 for a cut or overlong query, 400 for bytes nobody sends."""

    def __init__(self, app, conf):
        self.app = app
        self.max_query_length = conf.api.max_query_length

    def check(self, environ):
        query = environ.get('QUERY_STRING', '')
        if len(query) > self.max_query_length:
            return 414, 'The query string is longer than %d bytes.' % (
                self.max_query_length)
        uri = environ.get('REQUEST_URI')
        if uri is not None and uri.partition('?')[2] != query:
            # The server passed on less of the query than the client sent.
            return 414, ('The query string is longer than the WSGI server '
                         'passes on.')
        # PATH_INFO comes percent-decoded, its bytes as latin-1.
        path = environ.get('PATH_INFO', '').encode('latin-1')
        return (_problem(path, 'path') or _problem(
            urllib.parse.unquote_to_bytes(query), 'query string'))

    def __call__(self, environ, start_response):
        problem = self.check(environ)
        if problem is None:
            return self.app(environ, start_response)
        return hooks.error_response(*problem)(environ, start_response)
