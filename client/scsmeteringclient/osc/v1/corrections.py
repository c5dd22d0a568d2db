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
"""openstack metering correction ...: correcting usage without SQL."""

import argparse
import json

from cliff import lister
from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common

FIELDS = ('id', 'kind', 'status', 'reason', 'requested_by',
          'requested_project', 'requested_at', 'source', 'resource_type',
          'resource_id', 'event_id', 'time', 'quarantine_id', 'applied_at',
          'error', 'event_ids')
FORMATTERS = {'event_ids': format_columns.ListColumn}
TABLE = (('ID', 'id'), ('Kind', 'kind'), ('Status', 'status'),
         ('Resource Type', 'resource_type'), ('Resource ID', 'resource_id'),
         ('Time', 'time'), ('Reason', 'reason'))
LONG_TABLE = TABLE + (('Event ID', 'event_id'),
                      ('Quarantine ID', 'quarantine_id'),
                      ('Requested By', 'requested_by'),
                      ('Requested At', 'requested_at'), ('Error', 'error'))
_ABOUT = (' The correction is kept with its reason, who asked and when; an '
          'engine applies it before it next closes windows, and the sinks '
          'get the corrected records as new revisions of the same IDs. '
          '"correction show" tells whether it applied. Admin only.')


def _message(path):
    try:
        with open(path, encoding='utf-8') as f:
            found = json.load(f)
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError('cannot read %s: %s' % (path, exc))
    if not isinstance(found, dict):
        raise argparse.ArgumentTypeError('%s holds no JSON object' % path)
    return found


class _Create(common.Command, show.ShowOne):

    kind = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.add_target(parser)
        parser.add_argument(
            '--reason', metavar='<reason>', required=True,
            help='Why: kept with the correction (a ticket, what happened)')
        return parser

    def add_target(self, parser):
        parser.add_argument('resource_type', metavar='<resource-type>',
                            help='Type of the resource, such as instance')
        parser.add_argument('resource_id', metavar='<resource-id>',
                            help='ID of the resource')
        parser.add_argument('--time', metavar='<time>', required=True,
                            type=common.iso_time,
                            help='The true time, ISO 8601 (UTC without an '
                                 'offset), in whole seconds')

    def target(self, parsed_args):
        return {'resource_type': parsed_args.resource_type,
                'resource_id': parsed_args.resource_id,
                'time': parsed_args.time}

    def take_action(self, parsed_args):
        made = self.client.corrections.create(
            self.kind, parsed_args.reason, **self.target(parsed_args))
        return FIELDS, common.values(made, FIELDS, FORMATTERS)


class VoidCorrection(_Create):
    """Withdraw an event that should not count."""

    _description = __doc__ + (
        ' The resource\'s billable periods are worked out again without '
        'it; the event stays stored. Its ID is the start_event_id or '
        'end_event_id of a period in "metering resource show -f json".' +
        _ABOUT)
    _epilog = """Examples::

    openstack metering correction void 0c8e5f9a-4d3b-5e2a-9f1c-7b6d5e4f3a21 \\
        --reason "resize rolled back, ticket 4712\""""
    kind = 'void'

    def add_target(self, parser):
        parser.add_argument('event_id', metavar='<event-id>',
                            help='ID of the event to void')

    def target(self, parsed_args):
        return {'event_id': parsed_args.event_id}


class EndCorrection(_Create):
    """End a resource's life at a time, or move its end there."""

    _description = __doc__ + (
        ' The last life begun before the time ends at it; deletes that '
        'ended that life before are voided.' + _ABOUT)
    _epilog = """Examples::

    openstack metering correction end instance \\
        4f1c6a3e-0d5b-4c1e-9a57-6d2b8f0e3c11 --time 2026-11-02T09:30:00Z \\
        --reason "deleted at 09:30, ticket 4711\""""
    kind = 'end'


class StartCorrection(_Create):
    """Move the start of a resource's life to a time."""

    _description = __doc__ + (
        ' The life that holds the time, or the next one after it, starts '
        'then; a later start voids what the life did before it.' + _ABOUT)
    _epilog = """Examples::

    openstack metering correction start instance \\
        4f1c6a3e-0d5b-4c1e-9a57-6d2b8f0e3c11 --time 2026-11-02T08:15:00Z \\
        --reason "the boot failed until 08:15\""""
    kind = 'start'


class RemeterCorrection(_Create):
    """Meter a quarantined message again, as edited."""

    _description = __doc__ + (
        ' The entry leaves the quarantine once its edited message meters; '
        'one that still does not stays, and the correction fails with the '
        'reason.' + _ABOUT)
    _epilog = """Examples::

    openstack metering correction remeter 42 --message-file fixed.json \\
        --reason "size restored from the volume's API, ticket 4713\""""
    kind = 'remeter'

    def add_target(self, parser):
        parser.add_argument('quarantine_id', metavar='<quarantine-id>',
                            type=common.positive_int,
                            help='ID of the quarantine entry')
        parser.add_argument('--message-file', metavar='<file>',
                            required=True, type=_message, dest='message',
                            help='The edited message, a JSON object')

    def target(self, parsed_args):
        return {'quarantine_id': parsed_args.quarantine_id,
                'message': parsed_args.message}


class ListCorrection(common.Command, lister.Lister):
    """List corrections, oldest first: the audit trail."""

    _description = __doc__ + ' Admin only.'
    _epilog = """Examples::

    openstack metering correction list --status failed --long"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', metavar='<status>',
                            choices=('pending', 'applied', 'failed'),
                            help='Only corrections in this state')
        parser.add_argument('--resource-type', metavar='<resource-type>',
                            help='Only corrections of this resource type')
        parser.add_argument('--resource-id', metavar='<resource-id>',
                            help='Only corrections of this resource')
        parser.add_argument('--long', action='store_true',
                            help='Also list who asked, when, and errors')
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> corrections')
        parser.add_argument('--marker', metavar='<correction-id>',
                            help='List the corrections after this one')
        return parser

    def take_action(self, parsed_args):
        found = self.client.corrections.list(
            status=parsed_args.status,
            resource_type=parsed_args.resource_type,
            resource_id=parsed_args.resource_id, limit=parsed_args.limit,
            marker=parsed_args.marker)
        return common.rows(found, LONG_TABLE if parsed_args.long else TABLE)


class ShowCorrection(common.Command, show.ShowOne):
    """Show a correction and how it went."""

    _description = __doc__ + (
        ' A failed correction says why in its error; an applied one lists '
        'the events it stored. Admin only.')
    _epilog = """Examples::

    openstack metering correction show 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('correction', metavar='<correction-id>',
                            help='ID of the correction')
        return parser

    def take_action(self, parsed_args):
        found = self.client.corrections.get(parsed_args.correction)
        return FIELDS, common.values(found, FIELDS, FORMATTERS)
