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
"""Retrying the quarantine goes entry by entry (issue 13, finding 6).

Between entries that now meter sit ones that cannot be parsed (nested
too deeply for the JSON decoder) and one whose events PostgreSQL refuses
(a NUL in a resource id). Before, the first made the whole retry stop with
a RecursionError and the second made the database refuse the whole page:
nothing was retried. The forwarded events of a retried entry now pass the
input guards too, which name the NUL before the database sees it.
"""

import datetime
import json

from scs_metering.definitions import loader
from scs_metering import events
from scs_metering import replay
from scs_metering.tests import fixtures
from scs_metering.tests.functional import base
from scs_metering.tests import push

WHEN = datetime.datetime(2026, 11, 2, 8, tzinfo=datetime.timezone.utc)


def forwarded(event):
    """A message an agent forwarded, as the engine quarantines it."""
    return json.dumps({'message_id': 'f-' + event.id, 'payload': {
        'service': 'nova', 'events': [event.to_wire()], 'quarantined': []}})


class QuarantineRetryTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.connection = self.database('postgresql')
        good = [fixtures.instance('instance-create-end', vm, 'p1', 'u1',
                                  WHEN, message_id='n-' + vm)
                for vm in ('vm1', 'vm2')]
        nul = push.instance_event('vm3-c', events.CREATE, WHEN,
                                  vm='vm3\x00')
        raws = [json.dumps(good[0]), '[' * 100000 + ']' * 100000,
                '{"oslo.version": "2.0", "oslo.message": "%s"}' % (
                    '[' * 100000), forwarded(nul), json.dumps(good[1])]
        with self.connection.ingest_transaction() as tx:
            tx.add_quarantine([
                events.Quarantined(reason='no definition for the event type',
                                   raw=raw, service='nova')
                for raw in raws])
        self.ids = [q['id'] for q in self.connection.quarantined()]
        self.assertEqual(5, len(self.ids))

    def test_each_entry_alone(self):
        report = replay.retry_quarantined(
            self.connection, loader.load(self.conf))
        counts, failing = report.counts, report.failing
        self.assertEqual({'events stored': 2, 'duplicates skipped': 0,
                          'entries retried': 2}, dict(counts))
        self.assertEqual(self.ids[1:4], [i for i, _reason in failing])
        self.assertIn('nested too deeply', failing[0][1])
        self.assertIn('nested too deeply', failing[1][1])
        self.assertIn("resource_id holds the control character '\\x00'",
                      failing[2][1])
        self.assertEqual(self.ids[1:4], [
            q['id'] for q in self.connection.quarantined()])
        for vm in ('vm1', 'vm2'):
            self.assertEqual(1, len(self.connection.periods('instance', vm)))
