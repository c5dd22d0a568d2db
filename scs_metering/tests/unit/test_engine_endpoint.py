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
"""The engine's batch endpoint: what it requeues, what it quarantines."""

import datetime

import fixtures
from oslo_db import exception as db_exc
import oslo_messaging
import sqlalchemy as sa

from scs_metering.db.sqlalchemy import api as sqlalchemy_api
from scs_metering.engine import endpoint
from scs_metering import events
from scs_metering.tests import base

# What psycopg2 with libpq 14+ raises while a database refuses
# connections: SQLAlchemy wraps it with no statement, oslo.db leaves it.
REFUSED = sa.exc.OperationalError(
    None, None, Exception('connection to server at "127.0.0.1", port 5432 '
                          'failed: FATAL:  database "m" is not currently '
                          'accepting connections'))
# What a statement the database rejects for its content raises.
REJECTED = sa.exc.DataError(
    'INSERT INTO events ...', {}, Exception('value too long'))


class Ingestor:
    """Raises the given errors in turn, then stores."""

    # What the endpoint asks whether an error is worth a requeue.
    connection = sqlalchemy_api.Connection

    def __init__(self, *errors):
        self.errors = list(errors)
        self.stored = []

    def store(self, found, kept):
        if self.errors:
            raise self.errors.pop(0)
        self.stored.append((found, kept))
        return type('Result', (), {'stored': len(found), 'duplicates': 0,
                                   'quarantined': len(kept)})


def message(n):
    event = events.Event(
        id='e%d' % n, resource_type='volume', resource_id='v%d' % n,
        action='create', time=datetime.datetime(
            2026, 11, 1, tzinfo=datetime.timezone.utc))
    return {'payload': {'events': [event.to_wire()], 'quarantined': []}}


class EndpointTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger())

    def test_connection_refused_requeues_the_batch(self):
        ingestor = Ingestor(REFUSED)
        result = endpoint.EventsEndpoint(ingestor).info([message(1)])
        self.assertEqual(oslo_messaging.NotificationResult.REQUEUE, result)
        self.assertEqual([], ingestor.stored)

    def test_refused_while_retrying_alone_quarantines_nothing(self):
        # The database went away between the batch and its messages: the
        # quarantine write that followed used to succeed once it was back,
        # and a good message was quarantined instead of stored.
        ingestor = Ingestor(REJECTED, REFUSED)
        result = endpoint.EventsEndpoint(ingestor).info(
            [message(1), message(2)])
        self.assertEqual(oslo_messaging.NotificationResult.REQUEUE, result)
        self.assertEqual([], ingestor.stored)

    def test_a_rejected_message_alone_is_quarantined(self):
        ingestor = Ingestor(REJECTED, REJECTED)
        result = endpoint.EventsEndpoint(ingestor).info(
            [message(1), message(2)])
        self.assertEqual(oslo_messaging.NotificationResult.HANDLED, result)
        [(none, [kept]), (found, [])] = ingestor.stored
        self.assertEqual([], none)
        self.assertTrue(kept.reason.startswith('refused by the database'))
        self.assertEqual(['e2'], [e.id for e in found])

    def test_transient(self):
        transient = sqlalchemy_api.Connection.transient
        self.assertTrue(transient(REFUSED))
        self.assertTrue(transient(db_exc.DBDeadlock()))
        self.assertTrue(transient(db_exc.DBConnectionError()))
        self.assertTrue(transient(db_exc.DBError(REFUSED)))
        self.assertFalse(transient(REJECTED))
        self.assertFalse(transient(db_exc.DBError(REJECTED)))
        self.assertFalse(transient(ValueError('bad')))
