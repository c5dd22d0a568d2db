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
"""Real nova notifications through RabbitMQ, the agent and the engine.

The agent and the engine run as their console scripts; nova's messages are
the shared fixtures in the oslo.messaging 2.0 envelope, published to a topic
exchange under nova's routing keys. Usage is read back from PostgreSQL,
MariaDB and SQLite. Event times lie a few hours in the past and the engine
closes windows without a settle delay, so every window closes at once.
"""

import datetime
import os
import signal
import sqlite3
import time
import uuid

import sqlalchemy as sa
import testscenarios
import testtools

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.tests import fixtures as fx
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

load_tests = testscenarios.load_tests_apply_scenarios

HOUR = datetime.timedelta(hours=1)
USER = 'c0ffee00c0ffee00c0ffee00c0ffee00'
SMALL = ('m1.small', '2', 1, 2048, 20)
MEDIUM = ('m1.medium', '3', 2, 4096, 40)
BACKENDS = [(name, {'backend': name})
            for name in ('postgresql', 'mariadb', 'sqlite')]


def seconds_by_hour(t0, start, end):
    """{hour index: seconds} of [start, end), hours counted from t0."""
    found = {}
    while start < end:
        hour = (start - t0) // HOUR
        stop = min(end, t0 + (hour + 1) * HOUR)
        found[hour] = int((stop - start).total_seconds())
        start = stop
    return found


class PipelineTestCase(base.FunctionalTestCase):

    scenarios = BACKENDS

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.connection = self.database(self.backend)
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        # Six whole hours ago: the engine closes the windows of every event
        # below as soon as it has them.
        self.t0 = timeutils.window_floor(timeutils.utcnow(), 3600) - 6 * HOUR
        self.project = uuid.uuid4().hex
        self.addOnException(self._attach_tables)

    def _attach_tables(self, _exc_info):
        """What the engine stored, for a failing test's report."""
        lines = []
        with self.connection._engine.connect() as c:
            for table in ('resources', 'events', 'periods', 'usage_records',
                          'window_state', 'quarantine'):
                lines.append('== %s' % table)
                result = c.execute(sa.text('SELECT * FROM %s' % table))
                lines.append(repr(list(result.keys())))
                lines.extend(repr(tuple(row)) for row in result)
        self.addDetail('tables', testtools.content.text_content(
            '\n'.join(lines)))

    def at(self, minutes):
        return self.t0 + datetime.timedelta(minutes=minutes)

    def server(self, sample, vm, minute, flavor=SMALL, launched=0, **data):
        """A versioned notification about ``vm`` at ``minute``."""
        data.setdefault('launched_at', self.at(launched))
        return fx.instance(sample, vm, self.project, USER, self.at(minute),
                           message_id=str(uuid.uuid4()),
                           flavor=fx.flavor(*flavor), **data)

    def legacy(self, sample, vm, minute, flavor=SMALL, launched=0,
               **payload):
        """A legacy notification about ``vm`` at ``minute``."""
        name, flavorid, vcpus, memory_mb, root_gb = flavor
        payload.update(
            instance_id=vm, tenant_id=self.project, user_id=USER,
            launched_at=timeutils.isoformat(self.at(launched)),
            instance_type=name, instance_flavor_id=flavorid, vcpus=vcpus,
            memory_mb=memory_mb, root_gb=root_gb)
        return dict(fx.legacy(sample, payload),
                    message_id=str(uuid.uuid4()),
                    timestamp=str(self.at(minute).replace(tzinfo=None)))

    # Reading the results

    def scalar(self, sql, **params):
        with self.connection._engine.connect() as c:
            return c.scalar(sa.text(sql), params)

    def events(self):
        return self.connection.count('Event')

    def settled(self, events):
        """All ``events`` stored, every window up to t0 + 4 h closed.

        Events are counted first: an ingest marks what it changes dirty in
        the same transaction, so no dirty mark read after the count can be
        missing.
        """
        if self.events() != events:
            return False
        with self.connection._reader() as session:
            closed = session.scalar(sa.select(
                models.WindowState.closed_until).where(
                models.WindowState.meter == 'instance'))
            dirty = session.scalar(sa.select(sa.func.count()).where(
                models.Resource.dirty_from.is_not(None)))
        return (closed is not None and
                closed >= timeutils.to_db(self.t0 + 4 * HOUR) and not dirty)

    def wait_settled(self, events, timeout=60):
        try:
            services.wait_for(lambda: self.settled(events), timeout,
                              what='%d events stored, windows closed' %
                              events)
        except services.Timeout:
            self.assertEqual(events, self.events())
            raise

    def usage(self):
        """{(vm, hour, flavor, state): seconds} of the current records.

        Records corrected down to nothing are left out.
        """
        found = {}
        for record in self.connection.current_records(meter='instance'):
            self.assertEqual(self.project, record.project_id)
            self.assertEqual(record.quantity.to_integral_value(),
                             record.quantity)
            key = (record.resource_id,
                   (record.window_start - self.t0) // HOUR,
                   record.attributes['flavor_name'],
                   record.attributes['state'])
            self.assertNotIn(key, found, 'two current records')
            if record.quantity:
                found[key] = int(record.quantity)
        return found

    def expect(self, vm, flavor, state, start, end):
        """Expected usage of ``vm`` from minute ``start`` to ``end``."""
        return {(vm, hour, flavor, state): seconds
                for hour, seconds in seconds_by_hour(
                    self.t0, self.at(start), self.at(end)).items()}

    def quarantine(self):
        return {q['reason']: q for q in self.connection.quarantined()}


class LifecycleTest(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.pipeline.start()

    def test_duplicate_delivery(self):
        vm = str(uuid.uuid4())
        create = self.server('instance-create-end', vm, 10, launched=10)
        delete = self.server('instance-delete-end', vm, 70, launched=10,
                             deleted_at=self.at(70))
        # Twice in a row, so in one batch, and again once acknowledged.
        self.pipeline.publish(create, create, delete)
        self.wait_settled(2)
        # The redelivered pair travels with a new server's create; once
        # that is stored, so is the batch that carried the duplicates.
        other = str(uuid.uuid4())
        self.pipeline.publish(delete, create, self.server(
            'instance-create-end', other, 0), self.server(
            'instance-delete-end', other, 5, deleted_at=self.at(5)))
        self.wait_settled(4)
        expected = self.expect(vm, 'm1.small', 'active', 10, 70)
        expected.update(self.expect(other, 'm1.small', 'active', 0, 5))
        self.assertEqual(expected, self.usage())
        self.assertEqual(4, self.events())
        self.assertEqual({}, self.quarantine())

    def test_delete_before_create(self):
        vm = str(uuid.uuid4())
        # nova's legacy format, on the "notifications" topic.
        self.pipeline.publish(self.legacy(
            'compute.instance.delete.end', vm, 130, launched=10,
            deleted_at=timeutils.isoformat(self.at(130)),
            terminated_at=timeutils.isoformat(self.at(130))))
        services.wait_for(lambda: self.events() == 1, what='delete stored')
        self.pipeline.publish(self.legacy('compute.instance.create.end', vm,
                                          10, launched=10))
        self.wait_settled(2)
        self.assertEqual(self.expect(vm, 'm1.small', 'active', 10, 130),
                         self.usage())

    def test_resize(self):
        vm = str(uuid.uuid4())
        self.pipeline.publish(
            self.server('instance-create-end', vm, 0),
            self.server('instance-resize_finish-end', vm, 90,
                        flavor=MEDIUM, state='resized'),
            self.server('instance-resize_confirm-end', vm, 95,
                        flavor=MEDIUM),
            self.server('instance-delete-end', vm, 150, flavor=MEDIUM,
                        deleted_at=self.at(150)))
        self.wait_settled(4)
        expected = self.expect(vm, 'm1.small', 'active', 0, 90)
        expected.update(self.expect(vm, 'm1.medium', 'resized', 90, 95))
        expected.update(self.expect(vm, 'm1.medium', 'active', 95, 150))
        self.assertEqual(expected, self.usage())
        self.assertEqual({(vm, 1, 'm1.small', 'active'): 1800,
                          (vm, 1, 'm1.medium', 'resized'): 300,
                          (vm, 1, 'm1.medium', 'active'): 1500},
                         {k: v for k, v in expected.items() if k[1] == 1})

    def test_shelve_offload_is_not_billed(self):
        vm = str(uuid.uuid4())
        self.pipeline.publish(
            self.server('instance-create-end', vm, 0),
            self.server('instance-shelve-end', vm, 60, state='shelved'),
            self.server('instance-shelve_offload-end', vm, 65,
                        state='shelved_offloaded'),
            self.server('instance-unshelve-end', vm, 120, launched=120),
            self.server('instance-delete-end', vm, 150, launched=120,
                        deleted_at=self.at(150)))
        self.wait_settled(5)
        expected = self.expect(vm, 'm1.small', 'active', 0, 60)
        expected.update(self.expect(vm, 'm1.small', 'shelved', 60, 65))
        expected.update(self.expect(vm, 'm1.small', 'active', 120, 150))
        self.assertEqual(expected, self.usage())
        states = [p.snapshot.state for p in self.connection.periods(
            'instance', vm)]
        self.assertEqual(['active', 'shelved', 'shelved_offloaded',
                          'active'], states)


class QuarantineTest(PipelineTestCase):

    def test_bad_notifications_are_quarantined(self):
        self.pipeline.dead_letter_policy()
        self.pipeline.start()
        malformed = '{"oslo.version": "2.0", "oslo.message": "{\\"event_'
        missing = self.server('instance-pause-end', 'vm', 5,
                              state='paused')
        del missing['payload']['nova_object.data']['uuid']
        wrong = self.server('instance-create-end', str(uuid.uuid4()), 5)
        wrong['payload']['nova_object.data']['flavor'][
            'nova_object.data']['vcpus'] = 'abc'
        unknown = dict(self.server('instance-create-end',
                                   str(uuid.uuid4()), 5),
                       event_type='nova.frobnicate.end')
        vm = str(uuid.uuid4())
        self.pipeline.publish_raw(malformed)
        self.pipeline.publish(missing, wrong, unknown)
        # The agent carries on: what comes next is metered.
        self.pipeline.publish(
            self.server('instance-create-end', vm, 0),
            self.server('instance-delete-end', vm, 30,
                        deleted_at=self.at(30)))
        services.wait_for(lambda: len(self.quarantine()) == 4,
                          what='4 quarantined')
        self.wait_settled(2)
        self.assertEqual(self.expect(vm, 'm1.small', 'active', 0, 30),
                         self.usage())
        found = self.quarantine()
        undecodable = (
            'undecodable message, rejected by oslo.messaging (queue %s, '
            'routing key versioned_notifications.info): malformed JSON: '
            'Unterminated string starting at: line 1 column 41 (char 40)' %
            self.pipeline.source_queue)
        self.assertEqual(sorted([
            undecodable,
            'missing field resource_id (/payload/uuid)',
            "wrong type for field vcpus at /payload/flavor/vcpus: "
            "expected an integer, got 'abc'",
            "unknown event type 'nova.frobnicate.end' from nova: no "
            "definition meters or ignores it"]), sorted(found))
        self.assertEqual(malformed, found[undecodable]['raw'])
        self.assertEqual('nova', found[undecodable]['service'])
        unknown_entry = found["unknown event type 'nova.frobnicate.end' "
                              "from nova: no definition meters or ignores "
                              "it"]
        self.assertEqual((unknown['message_id'], 'nova-compute:compute'),
                         (unknown_entry['message_id'],
                          unknown_entry['publisher_id']))
        self.assertTrue(self.pipeline.agent.running())


class EngineDownTest(PipelineTestCase):

    def test_events_wait_for_the_engine(self):
        self.pipeline.start_agent()
        vm = str(uuid.uuid4())
        self.pipeline.publish(
            self.server('instance-create-end', vm, 0),
            self.server('instance-pause-end', vm, 20, state='paused'),
            self.server('instance-delete-end', vm, 80,
                        deleted_at=self.at(80)))

        def forwarded():
            source = self.pipeline.broker.queue(self.pipeline.source_queue)
            internal = self.pipeline.broker.queue(
                self.pipeline.internal_queue)
            return (source == (0, 1) and internal is not None and
                    internal[0] > 0)
        services.wait_for(forwarded, what='events forwarded to the queue')
        self.assertEqual(0, self.events())
        self.pipeline.start_engine()
        self.wait_settled(3)
        expected = self.expect(vm, 'm1.small', 'active', 0, 20)
        expected.update(self.expect(vm, 'm1.small', 'paused', 20, 80))
        self.assertEqual(expected, self.usage())

    def test_nothing_is_acked_while_the_engine_is_unreachable(self):
        # The agent's link to the internal topic points nowhere: it must
        # keep nova's messages, not drop them.
        self.pipeline.override(self.pipeline.agent, (
            '[engine]\ntransport_url = rabbit://guest:guest@127.0.0.1:9/\n'
            '[agent]\nforward_retry = 0\n'))
        self.pipeline.start()
        vm = str(uuid.uuid4())
        messages = [self.server('instance-create-end', vm, 0),
                    self.server('instance-delete-end', vm, 45,
                                deleted_at=self.at(45))]
        self.pipeline.publish(*messages)
        services.wait_for(
            lambda: 'Cannot forward' in self.pipeline.agent.read_log(),
            what='a failed forward')
        self.assertEqual(0, self.pipeline.agent.stop())
        self.assertEqual((2, 0), self.pipeline.broker.queue(
            self.pipeline.source_queue))
        self.assertEqual(0, self.events())
        self.pipeline.agent.configs.pop()
        self.pipeline.start_agent()
        self.wait_settled(2)
        self.assertEqual(self.expect(vm, 'm1.small', 'active', 0, 45),
                         self.usage())


class EngineKilledTest(PipelineTestCase):
    """SIGKILL in the middle of a batch loses nothing, counts nothing twice.

    The test holds a lock the engine's next batch needs, so the engine is
    caught inside its transaction, with rows written and nothing committed
    or acknowledged, when it is killed.
    """

    VMS = 60

    def lock(self, vm):
        """Block the engine's writes; return the function that releases."""
        if self.backend == 'sqlite':
            path = self.connection._engine.url.database
            db = sqlite3.connect(path, isolation_level=None)
            db.execute('BEGIN IMMEDIATE')
            return db.close
        engine = sa.create_engine(self.conf.database.connection)
        c = engine.connect()
        c.execute(sa.text('SELECT id FROM resources WHERE resource_id = :vm '
                          'FOR UPDATE'), {'vm': vm})

        def release():
            c.rollback()
            c.close()
            engine.dispose()
        return release

    def engine_waits_for_the_lock(self):
        if self.backend == 'postgresql':
            return self.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "current_database() AND wait_event_type = 'Lock'")
        if self.backend == 'mariadb':
            return self.scalar(
                "SELECT count(*) FROM information_schema.innodb_trx t JOIN "
                "information_schema.processlist p ON p.id = "
                "t.trx_mysql_thread_id WHERE p.db = database() AND "
                "t.trx_state = 'LOCK WAIT'")
        # SQLite shows no waiter: wait until the engine holds every
        # forwarded message, then give it a moment to open its batch.
        internal = self.pipeline.broker.queue(self.pipeline.internal_queue)
        source = self.pipeline.broker.queue(self.pipeline.source_queue)
        if internal == (0, 1) and source[0] == 0:
            time.sleep(0.5)
            return True
        return False

    def kill_in_the_middle_of_a_batch(self, kill):
        """Catch the engine inside a batch, ``kill`` it, check the result.

        ``kill`` kills and gets the engine running again.
        """
        self.pipeline.start()
        locked = str(uuid.uuid4())
        self.pipeline.publish(self.server('instance-create-end', locked, 0))
        services.wait_for(lambda: self.events() == 1, what='first event')
        release = self.lock(locked)
        self.addCleanup(release)
        vms = [str(uuid.uuid4()) for _ in range(self.VMS)]
        messages = [self.server('instance-pause-end', locked, 30,
                                state='paused')]
        for i, vm in enumerate(vms):
            messages.append(self.server('instance-create-end', vm, i,
                                        launched=i))
            messages.append(self.server('instance-delete-end', vm, i + 45,
                                        launched=i, deleted_at=self.at(
                                            i + 45)))
        messages.append(self.server('instance-delete-end', locked, 200,
                                    state='paused',
                                    deleted_at=self.at(200)))
        self.pipeline.publish(*messages)
        # MariaDB refreshes its lock tables only when nobody read them for
        # 0.1 s: poll slower than that.
        services.wait_for(self.engine_waits_for_the_lock, interval=0.3,
                          what='the engine blocked in its transaction')
        kill(release)
        self.wait_settled(1 + len(messages))
        expected = self.expect(locked, 'm1.small', 'active', 0, 30)
        expected.update(self.expect(locked, 'm1.small', 'paused', 30, 200))
        for i, vm in enumerate(vms):
            expected.update(self.expect(vm, 'm1.small', 'active', i,
                                        i + 45))
        self.assertEqual(expected, self.usage())
        self.assertEqual(1 + len(messages), self.events())
        self.assertEqual(1 + self.VMS, self.connection.count('Resource'))
        self.assertEqual(
            0, self.scalar('SELECT count(*) FROM (SELECT message_id FROM '
                           'events GROUP BY message_id HAVING count(*) > 1)'
                           ' AS twice'))

    def assertNothingCommitted(self, total):
        stored = self.events()
        if self.backend == 'sqlite':
            # The lock held every write back: only the first event is in.
            self.assertEqual(1, stored)
        self.assertLess(stored, total)

    def test_sigkill_of_the_engine(self):
        # A crash of the node: launcher and worker die, then the engine is
        # started again.
        def kill(release):
            self.pipeline.engine.kill()
            release()
            self.assertNothingCommitted(2 + 2 * self.VMS)
            self.pipeline.start_engine()
        self.kill_in_the_middle_of_a_batch(kill)

    def test_sigkill_of_the_worker(self):
        # The worker alone dies; the launcher starts a new one.
        def kill(release):
            engine = self.pipeline.engine
            worker, = engine.workers()
            os.kill(worker, signal.SIGKILL)
            release()
            self.assertNothingCommitted(2 + 2 * self.VMS)
            services.wait_for(lambda: engine.workers() not in ([], [worker]),
                              what='a new engine worker')
            self.assertTrue(engine.running())
        self.kill_in_the_middle_of_a_batch(kill)
