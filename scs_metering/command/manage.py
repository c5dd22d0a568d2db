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

import argparse
import datetime
import sys

from oslo_config import cfg

from scs_metering.command import manage_corrections
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.definitions import guards
from scs_metering.definitions import loader
from scs_metering.engine import windows
from scs_metering import replay
from scs_metering import service


def db_upgrade(conf):
    connection = db_api.get_connection(conf)
    connection.upgrade(conf.command.revision)
    print('Database at revision %s' % connection.version())


def db_version(conf):
    connection = db_api.get_connection(conf)
    print('current: %s\nhead: %s' % (connection.version(), connection.head()))


def _days(text):
    days = int(text)
    if days < 0:
        raise argparse.ArgumentTypeError('a number of days, 0 or more')
    return days


def _before(days):
    return timeutils.utcnow() - datetime.timedelta(days=days)


def outbox_purge(conf):
    before = _before(conf.command.older_than)
    deleted = db_api.get_connection(conf).purge_delivered(before)
    print('Deleted %d outbox entries delivered before %s' % (
        deleted, timeutils.isoformat(before)))


def _line(*values):
    return '\t'.join('' if v is None else str(v).replace('\n', ' ')
                     for v in values)


def quarantine_list(conf):
    connection = db_api.get_connection(conf)
    args = conf.command
    entries = connection.quarantined(args.limit, args.marker)
    print(_line('ID', 'RECEIVED', 'SERVICE', 'EVENT TYPE', 'MESSAGE ID',
                'REASON', *(['RAW'] if args.raw else [])))
    for q in entries:
        print(_line(q['id'], timeutils.isoformat(q['received_at']),
                    q['service'], q['event_type'], q['message_id'],
                    q['reason'], *([q['raw']] if args.raw else [])))
    total = connection.quarantine_summary()['total']
    if len(entries) == args.limit:
        print('%d of %d entries; the next page: --marker %d' % (
            len(entries), total, entries[-1]['id']))


def quarantine_purge(conf):
    args = conf.command
    connection = db_api.get_connection(conf)
    if args.ids:
        deleted = connection.purge_quarantine(ids=args.ids)
        print('Deleted %d quarantine entries' % deleted)
    else:
        before = _before(args.older_than)
        deleted = connection.purge_quarantine(before=before)
        print('Deleted %d quarantine entries received before %s' % (
            deleted, timeutils.isoformat(before)))


def quarantine_retry(conf):
    definitions = loader.load(conf)
    report = replay.retry_quarantined(
        db_api.get_connection(conf), definitions, conf.command.ids,
        guard=guards.EventGuard.from_conf(conf, definitions))
    counts, failing = report.counts, report.failing
    print('Retried %d quarantine entries: %d events stored, %d already '
          'stored; %d entries still failing' % (
              counts['entries retried'], counts['events stored'],
              counts['duplicates skipped'], len(failing)))
    for entry_id, reason in failing:
        print(_line(entry_id, reason))


def _print_parked(parked):
    print(_line('METER', 'WINDOW START', 'WINDOW END', 'PROJECT', 'USER',
                'ATTRIBUTES', 'SINCE', 'ATTEMPTS', 'REASON'))
    for p in parked:
        print(_line(p['meter'], timeutils.isoformat(p['window_start']),
                    timeutils.isoformat(p['window_end']), p['project_id'],
                    p['user_id'], p['attributes'],
                    timeutils.isoformat(p['since']), p['attempts'],
                    p['reason']))


def parked_list(conf):
    _print_parked(db_api.get_connection(conf).parked_groups(
        meter=conf.command.meter))


def parked_retry(conf):
    connection = db_api.get_connection(conf)
    meter = conf.command.meter
    before = len(connection.parked_groups(meter=meter))
    windows.WindowCloser(connection, loader.load(conf)).retry_parked(meter)
    left = connection.parked_groups(meter=meter)
    print('Retried %d parked groups: %d stored, %d still parked' % (
        before, before - len(left), len(left)))
    if left:
        _print_parked(left)


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

    outbox = subparsers.add_parser(
        'outbox', help='The outbox of records waiting for their sinks.')
    outbox_commands = outbox.add_subparsers(dest='outbox_command')
    outbox_commands.required = True
    purge = outbox_commands.add_parser(
        'purge', help='Delete entries delivered more than DAYS days ago. '
        'Pending and dead entries are never deleted.')
    purge.add_argument('--older-than', type=_days, required=True,
                       metavar='DAYS', dest='older_than')
    purge.set_defaults(func=outbox_purge)

    quarantine = subparsers.add_parser(
        'quarantine', help='Notifications that could not become usage.')
    quarantine_commands = quarantine.add_subparsers(
        dest='quarantine_command')
    quarantine_commands.required = True
    listing = quarantine_commands.add_parser(
        'list', help='Quarantine entries, oldest first, tab-separated.')
    listing.add_argument('--limit', type=int, default=100)
    listing.add_argument('--marker', type=int,
                         help='Only entries after this id.')
    listing.add_argument('--raw', action='store_true',
                         help='Show the raw message of each entry too.')
    listing.set_defaults(func=quarantine_list)
    purge = quarantine_commands.add_parser(
        'purge', help='Delete quarantine entries, by age or by id, once '
        'they are dealt with.')
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument('--older-than', type=_days, metavar='DAYS',
                       dest='older_than')
    which.add_argument('--id', type=int, action='append', dest='ids',
                       metavar='ID', help='An entry to delete; repeatable.')
    purge.set_defaults(func=quarantine_purge)
    retry = quarantine_commands.add_parser(
        'retry', help='Meter quarantined messages again once their cause '
        'is dealt with (a definition added, the database back): those '
        'that become events are stored and leave the quarantine, the '
        'others stay and are listed with their reason.')
    retry.add_argument('--id', type=int, action='append', dest='ids',
                       metavar='ID', help='An entry to retry; repeatable. '
                       'Default: every entry.')
    retry.set_defaults(func=quarantine_retry)

    manage_corrections.add_parsers(subparsers)
    parked = subparsers.add_parser(
        'parked', help='Groups of windows whose records the database '
        'refused: the rest of their windows closed without them.')
    commands = parked.add_subparsers(dest='parked_command')
    commands.required = True
    for name, func, text in (
            ('list', parked_list, 'List the parked groups, newest first, '
             'with the reason.'),
            ('retry', parked_retry, 'Store the parked groups now, once '
             'their cause is dealt with; those still refused stay parked '
             'with the new reason.')):
        parser = commands.add_parser(name, help=text)
        parser.add_argument('--meter', help='Only this meter\'s groups.')
        parser.set_defaults(func=func)


def main(argv=None):
    conf = service.new_conf()
    conf.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=add_command_parsers))
    conf = service.prepare_service(argv, conf)
    try:
        conf.command.func(conf)
    except Exception as exc:
        sys.exit('scs-metering-manage: %s' % exc)
