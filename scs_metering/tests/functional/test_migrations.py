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
"""Migrations on real PostgreSQL and MariaDB (and SQLite), and the models."""

import subprocess

from alembic import config as alembic_config
from alembic import script as alembic_script
from oslo_db.sqlalchemy import test_migrations
import testscenarios

from scs_metering.db.sqlalchemy import migration
from scs_metering.db.sqlalchemy import models
from scs_metering.tests import base as unit_base
from scs_metering.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios

BACKENDS = [(name, {'backend': name})
            for name in ('postgresql', 'mariadb', 'sqlite')]


def revisions():
    """Every revision, oldest first."""
    scripts = alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(migration.ALEMBIC_INI))
    return [r.revision for r in reversed(list(scripts.walk_revisions()))]


class ModelsMigrationsSyncTest(test_migrations.ModelsMigrationsSync,
                               base.FunctionalTestCase):
    """The schema the migrations build is the one the models describe."""

    scenarios = BACKENDS

    def setUp(self):
        super().setUp()
        self.connection = self.database(self.backend, upgrade=False)

    def get_engine(self):
        return self.connection._engine

    def get_metadata(self):
        return models.Base.metadata

    def db_sync(self, engine):
        migration.upgrade(engine)


class UpgradeTest(base.FunctionalTestCase):

    scenarios = BACKENDS

    def test_one_revision_at_a_time(self):
        connection = self.database(self.backend, upgrade=False)
        self.assertIsNone(connection.version())
        for revision in revisions():
            connection.upgrade(revision)
            self.assertEqual(revision, connection.version())
        self.assertEqual(migration.head(), connection.version())

    def test_upgrading_twice_changes_nothing(self):
        connection = self.database(self.backend)
        connection.upgrade()
        self.assertEqual(migration.head(), connection.version())


class HistoryTest(unit_base.TestCase):

    def test_single_head(self):
        # Two engineers adding revisions after the same one make two heads.
        scripts = alembic_script.ScriptDirectory.from_config(
            alembic_config.Config(migration.ALEMBIC_INI))
        self.assertEqual(1, len(scripts.get_heads()), scripts.get_heads())


class ManageCommandTest(base.FunctionalTestCase):
    """scs-metering-manage db upgrade and db version, as operators run them."""

    def manage(self, *args):
        path = self.write_file('manage.conf', '[database]\nconnection = %s\n'
                               % self.conf.database.connection)
        done = subprocess.run(
            [unit_base.console_script('scs-metering-manage'),
             '--config-file', path] + list(args), capture_output=True,
            text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stderr)
        return done.stdout

    def test_upgrade_and_version_on_postgresql(self):
        connection = self.database('postgresql', upgrade=False)
        head = migration.head()
        self.assertEqual('current: None\nhead: %s\n' % head,
                         self.manage('db', 'version'))
        self.assertEqual('Database at revision %s\n' % head,
                         self.manage('db', 'upgrade'))
        self.assertEqual('current: %s\nhead: %s\n' % (head, head),
                         self.manage('db', 'version'))
        self.assertEqual(head, connection.version())
