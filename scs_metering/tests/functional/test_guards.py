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
"""Bad values never reach the database, and what does is isolated.

Issue 13, findings 2 to 5, on the real databases: a huge or negative size,
an absurd time and a long or NUL-holding id are quarantined by the input
guards with their own reason, and the valid notifications beside them are
billed. When the database refuses something the guards let through (an
older agent's events, say), the engine quarantines that notification alone
with the database's reason and its service, and stores its neighbours.
"""

import dataclasses
import datetime
import json

import testscenarios

from scs_metering.agent import converter
from scs_metering.common import timeutils
from scs_metering.definitions import guards
from scs_metering.engine import endpoint
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

HOUR = datetime.timedelta(hours=1)
NOW = timeutils.window_floor(timeutils.utcnow(), 3600)
T0 = NOW - 4 * HOUR


def volume_create(volume_id, size=10, when=T0, project='p1'):
    message = fx.load('cinder/volume.create.end.json')
    message['payload'].update(volume_id=volume_id, size=size,
                              tenant_id=project,
                              launched_at=timeutils.isoformat(when))
    message.update(message_id='m-%s' % volume_id[:40],
                   timestamp=timeutils.isoformat(when))
    return message


def forwarded(service, found):
    return {'payload': {'service': service,
                        'events': [e.to_wire() for e in found],
                        'quarantined': []}}


class GuardsTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)
        self.definitions = self.definitions()
        self.guard = guards.EventGuard(
            self.definitions, horizon_days=90, clock_skew=600,
            max_windows=10000, clock=lambda: NOW)
        self.convert = converter.Converter(self.definitions, self.guard)

    def ingest(self, messages):
        outcome = converter.Outcome()
        for message in messages:
            self.convert.convert('cinder', message, outcome)
        ingest.Ingestor(self.connection).store(outcome.events,
                                               outcome.quarantined)
        return outcome

    def billed(self):
        windows.WindowCloser(self.connection, self.definitions).run(
            until=NOW)
        return {(r.resource_id, r.window_start): r.quantity
                for r in self.connection.current_records('volume.size')}

    def reasons(self):
        return {q['message_id']: q['reason']
                for q in self.connection.quarantined()}

    def test_bad_values_are_quarantined_and_neighbours_billed(self):
        future = NOW + datetime.timedelta(days=4 * 365)
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        outcome = self.ingest([
            volume_create('good'),
            volume_create('huge', size=10 ** 30),          # finding 2
            volume_create('negative', size=-1065),         # finding 3
            volume_create('old', when=epoch),              # finding 4
            volume_create('future', when=future),          # finding 4
            volume_create('nul\x00id'),                    # finding 5
            volume_create('x' * 20000),                    # finding 5
            volume_create('long-project', project='p' * 5000),
        ])
        self.assertEqual(1, len(outcome.events))
        reasons = self.reasons()
        self.assertEqual(7, len(reasons))
        self.assertIn('more than the maximum', reasons['m-huge'])
        self.assertIn('less than the minimum 0', reasons['m-negative'])
        self.assertIn('before the earliest time metered', reasons['m-old'])
        self.assertIn('in the future', reasons['m-future'])
        self.assertIn('control character', reasons['m-nul\x00id'.replace(
            '\x00', '\\x00')])
        self.assertIn('20000 characters long', reasons['m-' + 'x' * 40])
        self.assertIn('5000 characters long', reasons['m-long-project'])
        # Every window of the good volume closed; nothing else was billed.
        billed = self.billed()
        self.assertEqual({('good', T0 + n * HOUR): 10 * 3600
                          for n in range(4)}, billed)

    def test_engine_quarantines_only_the_notification_at_fault(self):
        # Events as an agent without guards forwards them: the database
        # refuses the long id, and only that notification is quarantined.
        def event(name):
            [found] = self.convert.convert('cinder', volume_create(
                name[:40])).events
            return dataclasses.replace(found, resource_id=name)
        found = [event(name) for name in ('a', 'x' * 20000, 'b', 'c')]
        more = [event(name) for name in ('d', 'e')]
        messages = [forwarded('cinder', found), forwarded('cinder', more)]
        point = endpoint.EventsEndpoint(ingest.Ingestor(self.connection))
        point.info(messages)
        entries = self.connection.quarantined()
        self.assertEqual(1, len(entries))
        [entry] = entries
        self.assertEqual('cinder', entry['service'])
        self.assertEqual('m-' + 'x' * 40, entry['message_id'])
        self.assertTrue(entry['reason'].startswith(
            'refused by the database: '), entry['reason'])
        raw = json.loads(entry['raw'])
        self.assertEqual(['x' * 20000],
                         [e['resource_id'] for e in raw['events']])
        self.assertEqual({'cinder': 1},
                         self.connection.quarantine_summary()['by_service'])
        self.assertEqual(['a', 'b', 'c', 'd', 'e'], sorted(
            k[0] for k in self.billed() if k[1] == T0))
        # Again, as a redelivery: nothing doubles.
        point.info(messages)
        self.assertEqual(1, len(self.connection.quarantined()))
        self.assertEqual(5, self.connection.count('Resource'))
