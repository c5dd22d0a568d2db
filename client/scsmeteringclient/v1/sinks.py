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
"""Sinks: where the engine pushes usage records, and their delivery."""

import json

from scsmeteringclient import exceptions
from scsmeteringclient.v1 import base

MERGE_PATCH = 'application/merge-patch+json'


def _path(sink_id, action=''):
    return '/sinks/%s%s' % (base.quote(sink_id), action)


class SinkManager(base.Manager):

    def list(self, limit=None, marker=None):
        """Sinks by name; secrets are masked."""
        return self._list('/sinks', 'sinks', limit=limit, marker=marker)

    def get(self, sink_id):
        return self.http.request('GET', _path(sink_id))

    def find(self, name_or_id):
        """The sink with this id, else the one with this name."""
        try:
            return self.get(name_or_id)
        except exceptions.NotFound:
            pass
        for sink in self.list():
            if sink['name'] == name_or_id:
                return sink
        raise exceptions.NotFound(
            'No sink with a name or ID of %r exists.' % name_or_id)

    def create(self, name, driver, url=None, format=None, options=None,
               filters=None, secrets=None):
        """Create a sink; ``secrets`` are written, never shown again."""
        body = {'name': name, 'driver': driver}
        for field, value in (('url', url), ('format', format),
                             ('options', options), ('filters', filters),
                             ('secrets', secrets)):
            if value is not None:
                body[field] = value
        return self.http.request('POST', '/sinks', json=body,
                                 secret=bool(secrets))

    def update(self, sink_id, **changes):
        """Change a sink by a JSON merge patch (RFC 7396).

        A field given replaces the stored one, and within ``options``,
        ``filters`` and ``secrets`` one entry; None removes a field, an
        option or a secret (an empty list empties a filter, which then
        accepts every record). Secrets left out keep their values.
        """
        return self.http.request(
            'PATCH', _path(sink_id), data=json.dumps(changes),
            headers={'Content-Type': MERGE_PATCH},
            secret='secrets' in changes)

    def delete(self, sink_id):
        """Delete a sink with its backlog and dead letters."""
        self.http.request('DELETE', _path(sink_id))

    def pause(self, sink_id):
        """Stop deliveries to a sink; its backlog keeps filling."""
        return self.http.request('POST', _path(sink_id, '/pause'))

    def resume(self, sink_id):
        return self.http.request('POST', _path(sink_id, '/resume'))

    def replay(self, sink_id, start, end):
        """Queue the records of [start, end) again; returns ``queued``."""
        return self.http.request('POST', _path(sink_id, '/replay'), json={
            'start': base.time(start), 'end': base.time(end)})

    def status(self, sink_id):
        """Backlog, delivered and failed counts, last success and error."""
        return self.http.request('GET', _path(sink_id, '/status'))

    def dead_letters(self, sink_id, limit=None, marker=None):
        """Deliveries the sink refused for good, with its answers."""
        return self._list(_path(sink_id, '/dead-letters'), 'dead_letters',
                          limit=limit, marker=marker)

    def retry(self, sink_id, ids=None):
        """Make dead letters pending again: all, or those entry ids."""
        return self.http.request(
            'POST', _path(sink_id, '/retry'),
            json=None if ids is None else {'ids': list(ids)})
