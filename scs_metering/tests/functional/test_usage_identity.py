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
"""A usage record's id covers everything it is grouped by (issue 13, 1).

Two users of one project in one window, through one Swift account or a
volume transferred within the hour, used to get one record id: the
insert failed with a duplicate key, in scs-metering-replay and in the
engine's window closer alike, and no meter got usage any more.
"""

import datetime
import decimal
import json
import os
import subprocess
import uuid

import fixtures
import testscenarios

from scs_metering.common import timeutils
from scs_metering.engine import usage
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering import replay
from scs_metering.tests import base as test_base
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

T0 = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc)
PROJECT = 'a1c3e5f7a9b1c3d5e7f9a1b3c5d7e9f1'
ALICE = '1f7600957f0a444c98928d79debb72fb'
BOB = '288f6260bf374737a1785038c84ba244'
OUTGOING = 'storage.objects.outgoing.bytes'


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def _wire(message, when):
    """The sample as a new message: the samples' own ids are fixed."""
    message['message_id'] = str(uuid.uuid4())
    return fx.on_the_wire(message, timestamp=when.strftime(
        '%Y-%m-%d %H:%M:%S.%f'))


def swift_request(user, minute, outgoing, incoming=0):
    """The middleware's notification of one request to PROJECT's account."""
    message = fx.load('swift/objectstore.http.request.json')
    payload = message['payload']
    payload['target']['id'] = PROJECT
    payload['initiator']['id'] = user
    # The CADF event id is the request's; each request has its own.
    payload['id'] = 'openstack: %s' % uuid.uuid4()
    results = {OUTGOING: outgoing,
               'storage.objects.incoming.bytes': incoming}
    for measurement in payload['measurements']:
        measurement['result'] = results[measurement['metric']['name']]
    return _wire(message, at(minute))


def volume(event_type, volume_id, user, minute):
    """A cinder volume notification, from the create.end sample."""
    message = fx.load('cinder/volume.create.end.json')
    message['event_type'] = event_type
    message['payload'].update(
        volume_id=volume_id, tenant_id=PROJECT, user_id=user, size=10,
        launched_at=timeutils.isoformat(T0))
    return _wire(message, at(minute))


def transfer_trace():
    """A volume created by Alice, accepted by Bob half an hour later."""
    vol = str(uuid.uuid4())
    return vol, [volume('volume.create.end', vol, ALICE, 0),
                 volume('volume.transfer.accept.end', vol, BOB, 30)]


class IdentityTestCase(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb')]

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend)
        self.defs = self.definitions()

    def ingest(self, messages):
        job = replay.Replay(self.connection, self.defs, self.conf)
        job.ingest([json.dumps(m) for m in messages])
        self.assertEqual(0, job.counts['quarantined'])

    def close(self, minutes):
        closer = windows.WindowCloser(self.connection, self.defs)
        return closer.run(until=at(minutes))

    def records(self, meter):
        return sorted(
            (r for r in self.connection.current_records(meter=meter)),
            key=lambda r: (r.window_start, r.user_id or ''))


class ReplayTest(IdentityTestCase):

    def replay(self, messages):
        trace = os.path.join(self.tempdir, 'trace.jsonl')
        with open(trace, 'w') as f:
            f.writelines(json.dumps(m) + '\n' for m in messages)
        config = self.write_file('replay.conf', '[database]\nconnection = '
                                 '%s\n' % self.conf.database.connection)
        done = subprocess.run(
            [test_base.console_script('scs-metering-replay'),
             '--config-file', config, trace], cwd=self.tempdir,
            capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stderr)
        with open(os.path.join(self.tempdir, 'usage.jsonl')) as f:
            return [json.loads(line) for line in f]

    def test_two_users_of_one_swift_account(self):
        delivered = self.replay([swift_request(ALICE, 5, 1000),
                                 swift_request(BOB, 20, 300),
                                 swift_request(ALICE, 40, 24)])
        outgoing = {d['user_id']: d for d in delivered
                    if d['meter'] == OUTGOING}
        self.assertEqual({ALICE: '1024', BOB: '300'},
                         {u: d['quantity'] for u, d in outgoing.items()})
        self.assertNotEqual(outgoing[ALICE]['id'], outgoing[BOB]['id'])

    def test_volume_transferred_within_the_hour(self):
        _vol, trace = transfer_trace()
        delivered = self.replay(trace)
        first = {d['user_id']: d for d in delivered
                 if d['meter'] == 'volume.size' and
                 d['window_start'] == '2026-11-02T10:00:00Z'}
        self.assertEqual({ALICE: '18000', BOB: '18000'},
                         {u: d['quantity'] for u, d in first.items()})


class WindowCloserTest(IdentityTestCase):

    def test_two_users_of_one_swift_account(self):
        self.ingest([swift_request(ALICE, 5, 1000),
                     swift_request(BOB, 20, 300)])
        self.assertEqual(2, self.close(120))
        found = self.records(OUTGOING)
        self.assertEqual([(ALICE, 1000), (BOB, 300)],
                         [(r.user_id, r.quantity) for r in found])
        self.assertEqual(2, len({r.id for r in found}))

    def test_volume_transferred_within_the_hour(self):
        vol, trace = transfer_trace()
        self.ingest(trace)
        self.close(120)
        self.assertEqual(
            [(T0, ALICE, 18000), (T0, BOB, 18000),
             (at(60), BOB, 36000)],
            [(r.window_start, r.user_id, r.quantity)
             for r in self.records('volume.size')])

    def test_second_user_arriving_after_the_window_closed(self):
        self.ingest([swift_request(ALICE, 5, 1000)])
        self.close(120)
        (alice,) = self.records(OUTGOING)
        self.ingest([swift_request(BOB, 20, 300)])
        self.close(120)
        found = self.records(OUTGOING)
        self.assertEqual([(ALICE, 1000, 1, alice.id), (BOB, 300, 1)],
                         [(r.user_id, r.quantity, r.revision) +
                          ((r.id,) if r.user_id == ALICE else ())
                          for r in found])


def _legacy_id(meter, resource_type, resource_id, window_start, group,
               user_id=None):
    """The id rule of releases before the user was a part of the id."""
    return ev.stable_id('usage', meter, resource_type, resource_id,
                        timeutils.isoformat(window_start),
                        json.dumps(group, sort_keys=True))


class UpgradeTest(IdentityTestCase):
    """Records delivered under the old id rule keep their ids."""

    def test_correction_of_a_record_with_an_old_id(self):
        with fixtures.MonkeyPatch(
                'scs_metering.engine.usage.record_id', _legacy_id):
            self.ingest([swift_request(ALICE, 5, 1000)])
            self.close(120)
        (old,) = self.records(OUTGOING)
        self.assertEqual(
            _legacy_id(OUTGOING, 'swift_account', PROJECT, T0,
                       {'project_id': PROJECT}), old.id)
        # Late traffic of both users in the closed window.
        self.ingest([swift_request(ALICE, 10, 24),
                     swift_request(BOB, 20, 300)])
        self.close(120)
        alice, bob = self.records(OUTGOING)
        self.assertEqual((old.id, 2, 1, decimal.Decimal(1024)),
                         (alice.id, alice.revision, alice.replaces,
                          alice.quantity))
        self.assertEqual((1, decimal.Decimal(300)),
                         (bob.revision, bob.quantity))
        self.assertEqual(
            usage.record_id(OUTGOING, 'swift_account', PROJECT, T0,
                            {'project_id': PROJECT}, BOB), bob.id)
