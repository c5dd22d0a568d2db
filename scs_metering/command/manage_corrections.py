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
"""scs-metering-manage correction: corrections without SQL.

Each command stores the correction with its reason and who asked, then
applies it at once (engine/corrections.py); the sinks get the corrected
records as new revisions when the engine re-closes their windows.
"""

import argparse
import getpass

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.definitions import guards
from scs_metering.definitions import loader
from scs_metering.engine import corrections
from scs_metering import replay

SOURCE = 'manage'
COLUMNS = ('ID', 'KIND', 'STATUS', 'REQUESTED AT', 'REQUESTED BY',
           'RESOURCE TYPE', 'RESOURCE ID', 'EVENT ID', 'TIME',
           'QUARANTINE ID', 'REASON', 'ERROR')


def _time(text):
    try:
        when = timeutils.parse(text)
    except ValueError:
        when = None
    if when is None or when.microsecond:
        raise argparse.ArgumentTypeError(
            '%r is not an ISO 8601 time in whole seconds, such as '
            '2026-12-01T10:00:00Z' % text)
    return when


def _row(c):
    return '\t'.join('' if v is None else str(v).replace('\n', ' ')
                     for v in (c.id, c.kind, c.status,
                               timeutils.isoformat(c.requested_at),
                               c.requested_by, c.resource_type,
                               c.resource_id, c.event_id,
                               timeutils.isoformat(c.time), c.quarantine_id,
                               c.reason, c.error))


def _corrector(conf, connection):
    definitions = loader.load(conf)
    return corrections.Corrector(
        connection, replay.remeter(definitions),
        guards.EventGuard.from_conf(conf, definitions))


def correct(conf):
    """Store one correction, apply it, and say how it went."""
    args = conf.command
    connection = db_api.get_connection(conf)
    fields = {}
    if args.kind == models.VOID:
        target = connection.event(args.event_id)
        if target is None:
            raise ValueError('no event has id %s' % args.event_id)
        fields = {'event_id': target.id,
                  'resource_type': target.resource_type,
                  'resource_id': target.resource_id}
    elif args.kind == models.REMETER:
        entries = connection.quarantined(1, ids=[args.quarantine_id])
        if not entries:
            raise ValueError('no quarantine entry has id %d' %
                             args.quarantine_id)
        with open(args.message_file, encoding='utf-8') as f:
            fields = {'quarantine_id': args.quarantine_id,
                      'message': f.read()}
    else:
        fields = {'resource_type': args.resource_type,
                  'resource_id': args.resource_id, 'time': args.time}
    correction = connection.add_correction(models.Correction.request(
        args.kind, args.reason, args.requested_by or '%s@%s' % (
            getpass.getuser(), conf.host), SOURCE, timeutils.utcnow(),
        **fields))
    done = _corrector(conf, connection).apply(correction)
    print(_row(done))
    if done.status != models.APPLIED:
        raise ValueError('correction %s failed: %s' % (done.id, done.error))


def correction_list(conf):
    args = conf.command
    found = db_api.get_connection(conf).corrections(
        args.limit, args.marker, status=args.status,
        resource_type=args.resource_type, resource_id=args.resource_id)
    print('\t'.join(COLUMNS))
    for correction in found:
        print(_row(correction))


def correction_apply(conf):
    connection = db_api.get_connection(conf)
    applied = _corrector(conf, connection).apply_pending()
    print('Applied %d pending corrections' % applied)


def _common(parser, func, kind=None):
    parser.add_argument('--reason', required=True,
                        help='Why: kept with the correction, as who asked '
                        'and when.')
    parser.add_argument('--requested-by', dest='requested_by',
                        help='Who asks (default: the system user and '
                        'host).')
    parser.set_defaults(func=func, kind=kind)


def add_parsers(subparsers):
    correction = subparsers.add_parser(
        'correction', help='Correct usage without SQL: each correction '
        'keeps its reason and reaches the sinks as new revisions.')
    commands = correction.add_subparsers(dest='correction_command')
    commands.required = True

    void = commands.add_parser(
        'void', help='Withdraw an event that should not count.')
    void.add_argument('--event-id', required=True, dest='event_id')
    _common(void, correct, models.VOID)

    for kind, text in ((models.END, 'End the life of a resource at a '
                        'time, or move its end there.'),
                       (models.START, 'Move the start of a life of a '
                        'resource to a time.')):
        parser = commands.add_parser(kind, help=text)
        parser.add_argument('--resource-type', required=True,
                            dest='resource_type')
        parser.add_argument('--resource-id', required=True,
                            dest='resource_id')
        parser.add_argument('--time', required=True, type=_time,
                            help='ISO 8601, UTC, whole seconds.')
        _common(parser, correct, kind)

    remeter = commands.add_parser(
        'remeter', help='Meter a quarantined message again, as edited in '
        'a file; the entry leaves the quarantine once it meters.')
    remeter.add_argument('--quarantine-id', required=True, type=int,
                         dest='quarantine_id')
    remeter.add_argument('--message-file', required=True,
                         dest='message_file',
                         help='The edited message, as JSON.')
    _common(remeter, correct, models.REMETER)

    listing = commands.add_parser(
        'list', help='Corrections in the order they were asked for, '
        'tab-separated: the audit trail.')
    listing.add_argument('--status', choices=(
        models.PENDING, models.APPLIED, models.FAILED))
    listing.add_argument('--resource-type', dest='resource_type')
    listing.add_argument('--resource-id', dest='resource_id')
    listing.add_argument('--limit', type=int, default=100)
    listing.add_argument('--marker', help='Only corrections after this id.')
    listing.set_defaults(func=correction_list)

    apply = commands.add_parser(
        'apply', help='Apply the pending corrections (the engine does so '
        'too), oldest first.')
    apply.set_defaults(func=correction_apply)
