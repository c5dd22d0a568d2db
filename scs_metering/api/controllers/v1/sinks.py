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
"""/v1/sinks: where usage is pushed, and how delivery goes.

The publisher's sink manager (scs_metering.publisher.manager) checks,
encrypts, stores, masks and replays; these controllers only check the
body, the caller and the URL.
"""

import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import sink_urls
from scs_metering.api import validation
from scs_metering.publisher import manager


def merge(target, patch):
    """Apply a JSON merge patch (RFC 7396)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(merged.get(key), value)
    return merged


def _view(request, sink):
    return render.jsonable(dict(sink, links=[{
        'rel': 'self',
        'href': '%s/v1/sinks/%s' % (request.application_url, sink['id'])}]))


class SinkController:

    def __init__(self, sink_id):
        self.sink_id = sink_id

    def _authorize(self, action):
        request = pecan.request
        policy.authorize(request, 'sink:' + action)
        return request

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'PATCH', 'DELETE')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = self._authorize('show')
        validation.query(request, {})
        return _view(request, manager.get(request.conf, request.storage,
                                          self.sink_id))

    @index.when(method='PATCH', template='json')
    def index_patch(self):
        request = self._authorize('update')
        patch = validation.body(request, schemas.SINK_UPDATE)
        sink_urls.check(request.conf, patch.get('url'))
        stored = manager.get_usable(request.conf, request.storage,
                                    self.sink_id)
        definition = merge({f: stored[f] for f in manager.FIELDS}, patch)
        if 'secrets' not in patch:
            # Left out, the stored secrets stay as they are.
            del definition['secrets']
        return _view(request, manager.replace(request.conf, request.storage,
                                              self.sink_id, definition))

    @index.when(method='DELETE', template='json')
    def index_delete(self):
        request = self._authorize('delete')
        manager.delete(request.storage, self.sink_id)
        pecan.response.status = 204

    @pecan.expose(generic=True, template='json')
    def pause(self):
        exception.method_not_allowed('POST')

    @pause.when(method='POST', template='json')
    def pause_post(self):
        request = self._authorize('pause')
        manager.pause(request.storage, self.sink_id)
        return _view(request, manager.get(request.conf, request.storage,
                                          self.sink_id))

    @pecan.expose(generic=True, template='json')
    def resume(self):
        exception.method_not_allowed('POST')

    @resume.when(method='POST', template='json')
    def resume_post(self):
        request = self._authorize('resume')
        manager.resume(request.storage, self.sink_id)
        return _view(request, manager.get(request.conf, request.storage,
                                          self.sink_id))

    @pecan.expose(generic=True, template='json')
    def replay(self):
        exception.method_not_allowed('POST')

    @replay.when(method='POST', template='json')
    def replay_post(self):
        request = self._authorize('replay')
        body = validation.body(request, schemas.REPLAY)
        start, end = validation.time_range(body)
        queued = manager.replay(request.storage, self.sink_id, start, end)
        pecan.response.status = 202
        return render.jsonable({'sink_id': self.sink_id, 'start': start,
                                'end': end, 'queued': queued})

    @pecan.expose(generic=True, template='json')
    def retry(self):
        exception.method_not_allowed('POST')

    @retry.when(method='POST', template='json')
    def retry_post(self):
        request = self._authorize('retry')
        body = validation.optional_body(request, schemas.RETRY)
        retried = manager.retry_dead_letters(request.storage, self.sink_id,
                                             body.get('ids'))
        return {'sink_id': self.sink_id, 'retried': retried}

    @pecan.expose(generic=True, template='json', route='dead-letters')
    def dead_letters(self):
        exception.method_not_allowed('GET')

    @dead_letters.when(method='GET', template='json')
    def dead_letters_get(self):
        request = self._authorize('dead_letters')
        values = validation.query(request, schemas.DEAD_LETTERS_QUERY)
        limit = validation.limit(request, values)
        found = manager.dead_letters(request.storage, self.sink_id,
                                     limit + 1, values.get('marker'))
        return validation.page(request, 'dead_letters', render.jsonable(
            found), limit, lambda entry: entry['id'])

    @pecan.expose(generic=True, template='json')
    def status(self):
        exception.method_not_allowed('GET')

    @status.when(method='GET', template='json')
    def status_get(self):
        request = self._authorize('status')
        validation.query(request, {})
        return render.jsonable(manager.status(request.storage, self.sink_id))


class SinksController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'sink:list')
        values = validation.query(request, schemas.SINKS_QUERY)
        limit = validation.limit(request, values)
        found = manager.list_sinks(request.conf, request.storage)
        if 'marker' in values:
            ids = [s['id'] for s in found]
            if values['marker'] not in ids:
                raise exception.InvalidParameter(
                    name='marker', reason='no sink has this id')
            found = found[ids.index(values['marker']) + 1:]
        return validation.page(
            request, 'sinks', [_view(request, s) for s in found[:limit + 1]],
            limit, lambda sink: sink['id'])

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'sink:create')
        definition = validation.body(request, schemas.SINK_CREATE)
        sink_urls.check(request.conf, definition.get('url'))
        sink = _view(request, manager.create(request.conf, request.storage,
                                             definition))
        pecan.response.status = 201
        pecan.response.location = sink['links'][0]['href']
        return sink

    @pecan.expose()
    def _lookup(self, sink_id, *remainder):
        return SinkController(sink_id), remainder
