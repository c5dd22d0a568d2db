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
"""/v1/corrections behind the real Keystone: asked, applied, audited."""

from scs_metering.definitions import loader
from scs_metering.engine import corrections
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering import replay
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional.api import base


class CorrectionsAPITest(base.APITestCase):

    def post(self, identity='admin', **body):
        return self.request('POST', '/v1/corrections', identity, json=body)

    def apply(self):
        """What the engine does before it next closes windows."""
        definitions = loader.load_files(loader.shipped_files())
        return corrections.Corrector(
            self.storage, replay.remeter(definitions)).apply_pending()

    def test_end_is_asked_applied_and_audited(self):
        response = self.post(kind='end', resource_type='instance',
                             resource_id='vm-alpha',
                             time='2026-01-01T01:30:00Z',
                             reason='deleted at 01:30, ticket 4711')
        self.assertEqual(202, response.status_code, response.text)
        asked = response.json()
        self.assertEqual(
            ('pending', 'api', 'deleted at 01:30, ticket 4711',
             self.keystone.session().get_user_id(),
             self.keystone.project_ids['admin']),
            (asked['status'], asked['source'], asked['reason'],
             asked['requested_by'], asked['requested_project']))
        self.assertEqual(asked['links'][0]['href'],
                         response.headers['Location'])
        self.assertEqual(1, self.apply())
        shown = self.request('GET', '/v1/corrections/' + asked['id']).json()
        self.assertEqual('applied', shown['status'])
        self.assertEqual(1, len(shown['event_ids']))
        resource = self.request('GET',
                                '/v1/resources/instance/vm-alpha').json()
        (period,) = resource['periods']
        self.assertEqual(('2026-01-01T01:30:00Z', shown['event_ids'][0]),
                         (period['ended_at'], period['end_event_id']))
        listed = self.request('GET', '/v1/corrections?status=applied&'
                              'resource_id=vm-alpha').json()
        self.assertEqual([asked['id']],
                         [c['id'] for c in listed['corrections']])

    def test_bad_requests_are_clear(self):
        for body, status, message in (
                ({'kind': 'void', 'event_id': 'nope', 'reason': 'x'}, 404,
                 'Event nope could not be found.'),
                ({'kind': 'end', 'resource_type': 'instance',
                  'resource_id': 'nope', 'time': '2026-01-01T01:00:00Z',
                  'reason': 'x'}, 404,
                 'Resource instance nope could not be found.'),
                ({'kind': 'end', 'resource_type': 'instance',
                  'resource_id': 'vm-beta', 'reason': 'x'}, 400,
                 'Invalid request body: a end correction needs time'),
                ({'kind': 'end', 'resource_type': 'instance',
                  'resource_id': 'vm-beta', 'time': 'soon',
                  'reason': 'x'}, 400,
                 'Invalid request body: time is not an ISO 8601 time'),
                ({'kind': 'fix', 'reason': 'x'}, 400,
                 'Invalid request body: kind must be one of void, end, '
                 'start, remeter'),
                ({'kind': 'void', 'event_id': 'x'}, 400,
                 'Invalid request body: reason is required'),
                ({'kind': 'remeter', 'quarantine_id': 999999,
                  'message': {}, 'reason': 'x'}, 404,
                 'Quarantine entry 999999 could not be found.')):
            response = self.post(**body)
            self.assertEqual(status, response.status_code, response.text)
            self.assertEqual(message, response.json()['error']['message'])
        self.assertEqual(404, self.request(
            'GET', '/v1/corrections/nope').status_code)
        self.assertEqual(403, self.post(
            'alpha-member', kind='void', event_id='x',
            reason='x').status_code)

    def test_remeter_an_edited_message(self):
        message = fx.instance('instance-create-end', 'vm-gamma',
                              self.project('alpha'), 'u-1', base.START,
                              launched_at=base.START)
        broken = dict(message, payload=[])
        ingest.Ingestor(self.storage).store([], [ev.Quarantined(
            'payload is not an object', ev.raw_text(broken), 'nova')])
        entry = [q for q in self.storage.quarantined()
                 if q['reason'] == 'payload is not an object'][0]
        response = self.post(kind='remeter', quarantine_id=entry['id'],
                             message=message, reason='payload from logs')
        self.assertEqual(202, response.status_code, response.text)
        self.apply()
        shown = self.request(
            'GET', '/v1/corrections/' + response.json()['id']).json()
        self.assertEqual('applied', shown['status'], shown['error'])
        self.assertEqual([], self.storage.quarantined(ids=[entry['id']]))
        (period,) = self.request(
            'GET', '/v1/resources/instance/vm-gamma').json()['periods']
        self.assertEqual('correction', period['provenance'])
