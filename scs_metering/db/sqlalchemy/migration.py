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
"""Schema migrations, run by ``scs-metering-manage db upgrade``."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from scs_metering.db import api

ALEMBIC_INI = os.path.join(os.path.dirname(__file__), 'alembic.ini')


def _config(connection):
    config = alembic_config.Config(ALEMBIC_INI)
    config.attributes['connection'] = connection
    return config


def upgrade(engine, revision='head'):
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def version(engine):
    """The schema revision of the database, or None if it has none."""
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


def head():
    return alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(ALEMBIC_INI)).get_current_head()


def check(engine):
    """Raise SchemaError unless the database is at the head revision."""
    current, latest = version(engine), head()
    if current != latest:
        raise api.SchemaError('database schema is at %s, this engine needs '
                              '%s: run "scs-metering-manage db upgrade"' % (
                                  current, latest))
