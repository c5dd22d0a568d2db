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
"""/v1/quarantine: notifications that could not become usage.

Each entry keeps the raw message, its service and the reason it was
refused. A retry meters entries again once what kept them out is fixed
(a definition changed, the database accepts them now), through the same
per-entry retry as ``scs-metering-manage quarantine retry``: the API
does not import the converter or the ingest, so the process that builds
the application hands that function in (scs_metering.replay). An entry
that now meters leaves the quarantine; one that still fails stays, and
the answer says why, entry by entry. To meter an *edited* message, ask
for a remeter correction (/v1/corrections).
"""

from oslo_log import log
import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.definitions import guards

LOG = log.getLogger(__name__)
SUMMARY = ('id', 'received_at', 'service', 'event_type', 'publisher_id',
           'message_id', 'reason')


class RetryUnavailable(exception.APIError):
    code = 501
    template = 'This API process cannot meter quarantined messages again.'


def _text(value):
    """Text any JSON parser takes: no NUL, no lone surrogate.

    The store keeps NUL and bytes that were not UTF-8 as \\x escapes
    already (events.raw_text); this holds for entries stored otherwise.
    """
    if value is None:
        return None
    return value.replace('\x00', '\\x00').encode(
        'utf-8', 'backslashreplace').decode('utf-8')


def _view(request, entry, raw=False):
    document = {name: entry[name] for name in SUMMARY}
    for name in ('service', 'event_type', 'publisher_id', 'message_id',
                 'reason'):
        document[name] = _text(document[name])
    if raw:
        document['raw'] = _text(entry['raw'])
    document['links'] = [{'rel': 'self', 'href': '%s/v1/quarantine/%d' % (
        request.application_url, entry['id'])}]
    return render.jsonable(document)


def _body_error(name, reason):
    return exception.InvalidBody(reason='%s: %s' % (name, reason))


def _filters(values, error=exception.InvalidParameter):
    """Connection.quarantined's filters; ``error`` names a bad one."""
    found = {'service': values.get('service'),
             'reason': values.get('reason')}
    for name in ('since', 'until'):
        try:
            found[name] = timeutils.parse(values.get(name))
        except ValueError:
            raise error(name=name, reason='not an ISO 8601 time')
    if None not in (found['since'], found['until']) and (
            found['since'] >= found['until']):
        raise error(name='until', reason='must be after since')
    return found


def _retry(request, **selection):
    """Retry the entries selected; the per-entry report."""
    retry = request.retry_quarantined
    if retry is None:
        raise RetryUnavailable()
    report = retry(request.storage, request.definitions,
                   guard=guards.EventGuard.from_conf(
                       request.conf, request.definitions), **selection)
    LOG.info('Quarantine retry by user %s (project %s): %d entries '
             'metered, %d still failing', request.context.user_id,
             request.context.project_id, len(report.metered),
             len(report.failing))
    return {
        'retried': [{'id': i, 'event_ids': found}
                    for i, found in report.metered],
        'failing': [{'id': i, 'reason': _text(reason)}
                    for i, reason in report.failing],
        'events_stored': report.counts['events stored'],
        'duplicates_skipped': report.counts['duplicates skipped'],
        'next_marker': report.last_id,
    }


class EntryController:

    def __init__(self, entry_id):
        self.entry_id = entry_id

    def _found(self, request):
        try:
            entry_id = int(self.entry_id)
        except ValueError:
            entry_id = None
        found = entry_id is not None and (
            0 < entry_id <= schemas.MAX_ID) and (
            request.storage.quarantined(1, ids=[entry_id]))
        if not found:
            raise exception.NotFound(kind='Quarantine entry',
                                     id=self.entry_id)
        return found[0]

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'quarantine:show')
        validation.query(request, {})
        return _view(request, self._found(request), raw=True)

    @pecan.expose(generic=True, template='json')
    def retry(self):
        exception.method_not_allowed('POST')

    @retry.when(method='POST', template='json')
    def retry_post(self):
        request = pecan.request
        policy.authorize(request, 'quarantine:retry')
        validation.query(request, {})
        entry = self._found(request)
        return _retry(request, ids=[entry['id']])


class QuarantineController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'quarantine:list')
        values = validation.query(request, schemas.QUARANTINE_QUERY)
        limit = validation.limit(request, values)
        found = request.storage.quarantined(
            limit + 1, values.get('marker'), **_filters(values))
        return validation.page(
            request, 'quarantine', [_view(request, e) for e in found],
            limit, lambda e: e['id'])

    @pecan.expose(generic=True, template='json')
    def retry(self):
        exception.method_not_allowed('POST')

    @retry.when(method='POST', template='json')
    def retry_post(self):
        request = pecan.request
        policy.authorize(request, 'quarantine:retry')
        validation.query(request, {})
        body = validation.optional_body(request, schemas.QUARANTINE_RETRY)
        return _retry(request, ids=body.get('ids'),
                      limit=validation.limit(request, body),
                      marker=body.get('marker'),
                      **_filters(body, _body_error))

    @pecan.expose()
    def _lookup(self, entry_id, *remainder):
        if len(remainder) > 1 or remainder not in ((), ('retry',)):
            pecan.abort(404)
        return EntryController(entry_id), remainder
