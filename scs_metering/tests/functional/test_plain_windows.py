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
"""The set-wise close of plain resources writes what Python wrote (issue 18).

Every resource whose one period spans a whole window gets its record,
outbox entries and rollup share from INSERT ... SELECT statements
(db/sqlalchemy/plain.py); the others still go through Python. The same
mixed traffic (plain servers and volumes, changes, deletes and creates
inside windows, states and attributes the meters do not bill, non-ASCII
and quoted attribute values, two users, three projects, two provenances,
a sink filtered to one project) is closed once that way and once with
the set-wise path switched off, in two databases of one backend; every
stored row must be the same, ids, revisions and quantities included.
"""

import datetime
import random

import fixtures
import sqlalchemy as sa
import testscenarios

from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import plain as plain_module
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

T0 = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc)
PROJECTS = ('p-one', 'p-two', 'p-three')
USERS = ('alice', 'bob')
FLAVORS = ('m1.small', 'm1.größe', 'q"uote\\d', 'm1.large')
STATES = ('active', 'active', 'active', 'paused', 'error', 'shelved')


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def _server(rng, number, minute, action, state=None):
    flavor = rng.choice(FLAVORS)
    attributes = {'state': state or rng.choice(STATES),
                  'flavor_name': flavor, 'flavor_id': flavor,
                  'vcpus': rng.choice((1, 2, 4)), 'memory_mb': 512,
                  'root_gb': 1, 'ephemeral_gb': 0}
    return ev.Event(
        id='vm-%d-%d' % (number, minute), resource_type='instance',
        resource_id='vm-%03d' % number, action=action, time=at(minute),
        project_id=rng.choice(PROJECTS), user_id=rng.choice(USERS),
        attributes=attributes, provenance=rng.choice(
            (ev.NOTIFICATION, ev.NOTIFICATION, ev.RECONCILIATION)))


def _volume(rng, number, minute, action):
    attributes = {'state': 'available', 'size': rng.choice((1, 10, 2000)),
                  'volume_type': rng.choice(('ssd', 'hdd', None))}
    if rng.random() < 0.1:
        # A volume without a size: volume.size bills nothing.
        del attributes['size']
    return ev.Event(
        id='vol-%d-%d' % (number, minute), resource_type='volume',
        resource_id='vol-%03d' % number, action=action, time=at(minute),
        project_id=rng.choice(PROJECTS), user_id=rng.choice(USERS),
        attributes=attributes)


def traffic(seed=18):
    """Creates before and inside the windows, changes and deletes."""
    rng = random.Random(seed)
    events = []
    for number in range(120):
        make = _server if number % 3 else _volume
        created = rng.choice((-120, -120, -120, -30, 17, 75, 150))
        events.append(make(rng, number, created, ev.CREATE))
        minute = created
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            minute += rng.randint(1, 140)
            events.append(make(rng, number, minute, ev.UPDATE))
        if rng.random() < 0.3:
            minute += rng.randint(1, 200)
            events.append(make(rng, number, minute, ev.DELETE))
    return events


def _rows(connection, model, leave_out):
    table = model.__table__
    columns = [c for c in table.c if c.name not in leave_out]
    with connection._engine.connect() as c:
        return sorted(tuple(str(v) for v in row) for row in c.execute(
            sa.select(*columns)))


class PlainWindowsTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb', 'sqlite')]

    def closed(self, set_wise):
        if self.backend == 'sqlite':
            # One file per run.
            self.tempdir = self.useFixture(fixtures.TempDir()).path
        connection = self.database(self.backend)
        for name, filters in (('all', {}), ('two', {'projects': ['p-two']})):
            connection.put_sink({'name': name, 'driver': 'file',
                                 'url': 'file:///tmp/%s.jsonl' % name,
                                 'format': 'native', 'options': {},
                                 'filters': filters})
        events = traffic()
        ingestor = ingest.Ingestor(connection)
        for low in range(0, len(events), 50):
            ingestor.store(events[low:low + 50])
        closer = windows.WindowCloser(connection, self.definitions())
        if set_wise:
            real, plain = plain_module.PlainWindows.add_plain_records, []

            def spy(*args):
                plain.append(real(*args))
                return plain[-1]
            with fixtures.MonkeyPatch(
                    'scs_metering.db.sqlalchemy.plain.PlainWindows.'
                    'add_plain_records', spy):
                written = closer.run(until=at(240))
            # Most records were written set-wise.
            self.assertGreater(sum(plain), written / 2)
        else:
            with fixtures.MonkeyPatch(
                    'scs_metering.db.sqlalchemy.plain.PlainWindows.'
                    'add_plain_records', lambda *args: 0), \
                    fixtures.MonkeyPatch(
                        'scs_metering.db.sqlalchemy.plain.plain_pks',
                        lambda *args: sa.select(
                            models.Period.resource_pk).where(sa.false())):
                written = closer.run(until=at(240))
        sinks = {s['id']: s['name'] for s in connection.sinks()}
        with connection._engine.connect() as c:
            outbox = sorted(
                (sinks[row.sink_id], row.kind, row.record_id, row.revision,
                 row.state, row.attempts) for row in c.execute(
                    sa.select(models.Outbox)))
        return written, {
            'records': _rows(connection, models.UsageRecord,
                             ('created_at',)),
            'outbox': outbox,
            'rollup': _rows(connection, models.UsageRollup, ('id',)),
            'daily': _rows(connection, models.UsageRollupDaily, ('id',))}

    def test_same_rows_as_python(self):
        written, found = self.closed(set_wise=True)
        expected_written, expected = self.closed(set_wise=False)
        # The traffic has plain resources, and others.
        self.assertGreater(expected_written, 300)
        self.assertEqual(expected_written, written)
        for name in expected:
            self.assertEqual(expected[name], found[name], name)
