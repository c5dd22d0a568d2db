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
"""scs-metering-manage: database and maintenance commands."""

import sys

from oslo_config import cfg

from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import migration
from scs_metering import service


def db_upgrade(conf):
    connection = db_api.get_connection(conf)
    connection.upgrade(conf.command.revision)
    print('Database at revision %s' % connection.version())


def db_version(conf):
    current = db_api.get_connection(conf).version()
    print('current: %s\nhead: %s' % (current, migration.head()))


def add_command_parsers(subparsers):
    db = subparsers.add_parser('db', help='Database schema commands.')
    db_commands = db.add_subparsers(dest='db_command')
    db_commands.required = True
    upgrade = db_commands.add_parser(
        'upgrade', help='Upgrade the schema to the latest revision.')
    upgrade.add_argument('--revision', default='head',
                         help='Revision to upgrade to (default: head).')
    upgrade.set_defaults(func=db_upgrade)
    version = db_commands.add_parser(
        'version', help='Print the schema revision of the database.')
    version.set_defaults(func=db_version)


def main(argv=None):
    conf = service.new_conf()
    conf.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=add_command_parsers))
    conf = service.prepare_service(argv, conf)
    try:
        conf.command.func(conf)
    except Exception as exc:
        sys.exit('scs-metering-manage: %s' % exc)
