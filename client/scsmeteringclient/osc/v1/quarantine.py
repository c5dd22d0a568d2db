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
"""openstack metering quarantine ...: notifications that did not meter."""

from cliff import lister
from cliff import show

from scsmeteringclient.osc import common

FIELDS = ('id', 'received_at', 'service', 'event_type', 'publisher_id',
          'message_id', 'reason', 'raw')
TABLE = (('ID', 'id'), ('Received At', 'received_at'),
         ('Service', 'service'), ('Event Type', 'event_type'),
         ('Reason', 'reason'))
LONG_TABLE = TABLE + (('Publisher ID', 'publisher_id'),
                      ('Message ID', 'message_id'))
RETRY_TABLE = ('ID', 'Result', 'Events', 'Reason')


def add_filter_arguments(parser, verb):
    parser.add_argument('--service', metavar='<service>',
                        help='Only %s entries of this service, such as '
                             'nova ("unknown" for entries without one)'
                             % verb)
    parser.add_argument('--reason', metavar='<text>',
                        help='Only %s entries whose reason holds this '
                             'text, in any case' % verb)
    parser.add_argument('--since', metavar='<time>', type=common.iso_time,
                        help='Only %s entries received at or after this '
                             'time (ISO 8601, UTC without an offset)' % verb)
    parser.add_argument('--until', metavar='<time>', type=common.iso_time,
                        help='Only %s entries received before this time'
                             % verb)


def _filters(parsed_args):
    return {name: getattr(parsed_args, name)
            for name in ('service', 'reason', 'since', 'until')}


class ListQuarantine(common.Command, lister.Lister):
    """List quarantined notifications, oldest first, with their reasons."""

    _description = __doc__ + (
        ' A notification that cannot become usage (a value out of range, '
        'an unknown event type, a message the database refused) is kept '
        'here with its service and reason, alone: its neighbours are '
        'metered. "quarantine show" gives the raw message. Admin only.')
    _epilog = """Examples::

    openstack metering quarantine list --service cinder
    openstack metering quarantine list --reason "out of range" \\
        --since 2026-11-01 --long"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_filter_arguments(parser, 'list')
        parser.add_argument('--long', action='store_true',
                            help='Also list the publisher and message IDs')
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> entries')
        parser.add_argument('--marker', metavar='<quarantine-id>',
                            type=common.positive_int,
                            help='List the entries after this one')
        return parser

    def take_action(self, parsed_args):
        found = self.client.quarantine.list(
            limit=parsed_args.limit, marker=parsed_args.marker,
            **_filters(parsed_args))
        return common.rows(found, LONG_TABLE if parsed_args.long else TABLE)


class ShowQuarantine(common.Command, show.ShowOne):
    """Show a quarantine entry with its raw message."""

    _description = __doc__ + (
        ' The message is shown as stored: NUL and bytes that were not UTF-8 '
        'appear as \\xNN escapes. To meter it after editing, save it to a '
        'file, fix it and use "correction remeter". Admin only.')
    _epilog = """Examples::

    openstack metering quarantine show 42
    openstack metering quarantine show 42 -f value -c raw > message.json"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('entry', metavar='<quarantine-id>',
                            type=common.positive_int,
                            help='ID of the quarantine entry')
        return parser

    def take_action(self, parsed_args):
        found = self.client.quarantine.get(parsed_args.entry)
        return FIELDS, common.values(found, FIELDS)


class RetryQuarantine(common.Command, lister.Lister):
    """Meter quarantined notifications again, once their cause is fixed."""

    _description = __doc__ + (
        ' Each entry stands alone: one whose message now meters is stored '
        'and leaves the quarantine ("metered", with its events); one that '
        'still fails stays ("failing", with the reason). Without --id or '
        'filters, every entry is retried. Retried twice, events count '
        'once. Admin only.')
    _epilog = """Examples::

    openstack metering quarantine retry --id 42
    # After raising a guard's maximum in the cinder definitions
    openstack metering quarantine retry --service cinder \\
        --reason "out of range\""""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--id', metavar='<quarantine-id>', type=common.positive_int,
            action='append', dest='ids',
            help='Retry only this entry (repeat option for several)')
        add_filter_arguments(parser, 'retry')
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='Retry at most <limit> entries')
        return parser

    def take_action(self, parsed_args):
        filters = _filters(parsed_args)
        if (parsed_args.ids and len(parsed_args.ids) == 1 and
                not any(filters.values())):
            report = self.client.quarantine.retry(parsed_args.ids[0])
        else:
            report = self.client.quarantine.retry_many(
                ids=parsed_args.ids, limit=parsed_args.limit, **filters)
        rows = [(r['id'], 'metered', len(r['event_ids']), '')
                for r in report['retried']]
        rows += [(f['id'], 'failing', 0, f['reason'])
                 for f in report['failing']]
        return RETRY_TABLE, sorted(rows)
