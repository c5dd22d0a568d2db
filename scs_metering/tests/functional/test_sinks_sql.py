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
"""The sql sink against real PostgreSQL and MariaDB, and SQLite."""

import datetime
import decimal
import json
import os

import sqlalchemy as sa
import testscenarios

from scs_metering.db import models
from scs_metering.engine import usage
from scs_metering.publisher import base as publisher
from scs_metering.publisher import loader
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)


def usage_record(vm, quantity, revision=1):
    return models.Record(
        id=usage.record_id('instance', 'instance', vm, T0, {}),
        meter='instance', unit='s', resource_type='instance',
        resource_id=vm, project_id='p1', user_id='u1', window_start=T0,
        window_end=T0 + HOUR, attributes={}, quantity=quantity,
        provenance={'notification': 3600}, revision=revision,
        replaces=revision - 1 if revision > 1 else None, created_at=T0)


def started(vm):
    return models.LifecycleRecord(
        id='1b4e28ba-2fa1-11d2-883f-0016d3cca427', kind=models.STARTED,
        resource_type='instance', resource_id=vm, project_id='p1',
        user_id='u1', time=T0, attributes={'state': 'active'},
        provenance='notification', revision=1, created_at=T0)


def batch(*items):
    fmt = loader.load_format('native')
    documents = [fmt.document(r) for r in items]
    return publisher.Batch(list(items), documents, fmt.encode(documents),
                           fmt.content_type)


class SqlSinkTest(base.FunctionalTestCase):

    scenarios = [(name, {'backend': name})
                 for name in ('postgresql', 'mariadb', 'sqlite')]

    def setUp(self):
        super().setUp()
        if self.backend == 'sqlite':
            self.url = 'sqlite:///%s' % os.path.join(self.tempdir,
                                                     'erp.sqlite')
        else:
            self.require(self.backend)
            self.url = self._create_database(self.backend)
        parsed = sa.engine.make_url(self.url)
        # The password, if any, goes in secrets like an operator's would.
        definition = {'name': 'erp', 'driver': 'sql', 'options': {
            'table': 'usage_in'},
            'url': parsed.set(password=None).render_as_string(False)}
        if parsed.password:
            definition['secrets'] = {'password': parsed.password}
        self.sink = loader.load_sink(definition)
        self.addCleanup(self.sink.close)
        self.engine = sa.create_engine(self.url)
        self.addCleanup(self.engine.dispose)

    def rows(self):
        with self.engine.connect() as c:
            return c.execute(sa.text(
                'SELECT id, revision, replaces, kind, quantity, document '
                'FROM usage_in ORDER BY kind, revision')).all()

    def test_upsert_is_idempotent_and_exact(self):
        exact = decimal.Decimal('123456789012345678901234.123456789')
        first = batch(usage_record('vm1', exact), started('vm1'))
        self.sink.send(first)
        self.sink.send(first)  # a resend after a crash
        self.sink.send(batch(usage_record('vm1', exact),
                             usage_record('vm1', 1800, revision=2)))
        found = self.rows()
        self.assertEqual(3, len(found))
        self.assertEqual(
            [('started', 1, None), ('usage', 1, None), ('usage', 2, 1)],
            [(r.kind, r.revision, r.replaces) for r in found])
        self.assertEqual(exact, decimal.Decimal(found[1].quantity))
        self.assertEqual(str(exact), json.loads(found[1].document)[
            'quantity'])

    def test_unreachable_database_is_transient(self):
        if self.backend == 'sqlite':
            url = 'sqlite:///%s/missing/erp.sqlite' % self.tempdir
        else:
            url = sa.engine.make_url(self.url).set(
                host='127.0.0.1', port=9).render_as_string(False)
        sink = loader.load_sink({'name': 'erp', 'driver': 'sql',
                                 'url': url})
        self.addCleanup(sink.close)
        self.assertRaises(publisher.TransientError, sink.send,
                          batch(started('vm1')))
