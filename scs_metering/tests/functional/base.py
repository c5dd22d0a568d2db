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
"""Access to the real services on loopback.

Outside CI a test whose service is down is skipped with a message naming
the service; in CI (CI=true) it fails instead, because a skipped billing
test proves nothing.
"""

import os
import socket
import unittest
import uuid

import sqlalchemy as sa

from scs_metering.db import api as db_api
from scs_metering.tests import base

IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')

SERVICES = {
    'postgresql': ('127.0.0.1', 5432),
    'mariadb': ('127.0.0.1', 3306),
    'rabbitmq': ('127.0.0.1', 5672),
    'redis': ('127.0.0.1', 6379),
}
RABBIT_URL = os.environ.get('SCS_METERING_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
ADMIN_URLS = {
    'postgresql': os.environ.get(
        'SCS_METERING_TEST_POSTGRESQL_URL',
        'postgresql+psycopg2://postgres@127.0.0.1:5432/test'),
    'mariadb': os.environ.get(
        'SCS_METERING_TEST_MARIADB_URL',
        'mysql+pymysql://root@127.0.0.1:3306/test'),
}


def reachable(name):
    host, port = SERVICES[name]
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


def started(get, unavailable):
    """A service the tests start themselves (Keystone, Ceph), or a skip.

    ``get()`` starts it or raises ``unavailable`` when it is not
    installed: then the test is skipped, with the message naming it, or
    fails in CI.
    """
    try:
        return get()
    except unavailable as exc:
        if IN_CI:
            raise AssertionError('%s (CI=true: a missing service is a '
                                 'failure, not a skip)' % exc)
        raise unittest.SkipTest(str(exc))


class FunctionalTestCase(base.TestCase):

    def require(self, name):
        if reachable(name):
            return
        host, port = SERVICES[name]
        message = '%s is not reachable on %s:%d' % (name, host, port)
        if IN_CI:
            self.fail(message + ' (CI=true: a missing service is a '
                                'failure, not a skip)')
        self.skipTest(message)

    def database(self, backend, upgrade=True):
        """A fresh, migrated database on a real server, dropped after.

        With ``upgrade=False`` it is left empty, for migration tests.
        """
        if backend == 'sqlite':
            url = 'sqlite:///%s' % os.path.join(self.tempdir, 'f.sqlite')
        else:
            self.require(backend)
            url = self._create_database(backend)
        self.config('database', connection=url)
        connection = db_api.get_connection(self.conf)
        if upgrade:
            connection.upgrade()
        self.addCleanup(connection.dispose)
        return connection

    def _create_database(self, backend):
        url, drop = create_database(backend)
        self.addCleanup(drop)
        return url


def create_database(backend):
    """An empty database on a server: its URL, and the function to drop it.

    Benchmarks use it too.
    """
    name = 'scs_%s' % uuid.uuid4().hex[:12]
    admin_url = sa.engine.make_url(ADMIN_URLS[backend])
    # No pool: a connection kept from the CREATE would be dead at the
    # DROP if the server restarted in between (the resilience suite's
    # PostgreSQL stop).
    admin = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT',
                             poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.execute(sa.text('CREATE DATABASE %s' % name))

    def drop():
        with admin.connect() as c:
            if backend == 'postgresql':
                c.execute(sa.text(
                    'SELECT pg_terminate_backend(pid) FROM '
                    'pg_stat_activity WHERE datname = :n'), {'n': name})
            c.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
    return admin_url.set(database=name).render_as_string(
        hide_password=False), drop
