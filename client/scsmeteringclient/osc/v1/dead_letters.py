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
"""openstack metering sink dead-letter ...: records a sink refused."""

from cliff import lister
from cliff import show

from scsmeteringclient.osc import common
from scsmeteringclient.osc.v1 import sinks

TABLE = (('ID', 'id'), ('Kind', 'kind'), ('Record ID', 'record_id'),
         ('Revision', 'revision'), ('Attempts', 'attempts'),
         ('Dead At', 'dead_at'), ('Last Error', 'last_error'))
LONG_TABLE = TABLE + (('Created At', 'created_at'), ('Answer', 'answer'))


class ListDeadLetter(common.Command, lister.Lister):
    """List the dead letters of a sink: records it refused for good."""

    _description = __doc__ + (
        ' A sink that answers a delivery with a permanent error (an HTTP '
        '4xx other than 408 and 429, a row the database refuses) gets no '
        'more tries of those records: they stay here, with the sink\'s '
        'answer, until retried. Admin only.')
    _epilog = """Examples::

    openstack metering sink dead-letter list billing
    # With the sink's full answer
    openstack metering sink dead-letter list billing --long -f yaml"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        sinks.add_sink_argument(parser, 'list the dead letters of')
        parser.add_argument(
            '--long', action='store_true',
            help='Also list when each record was queued, and the sink\'s '
                 'answer')
        parser.add_argument(
            '--limit', metavar='<limit>', type=common.positive_int,
            help='List at most <limit> dead letters')
        parser.add_argument(
            '--marker', metavar='<dead-letter-id>',
            type=common.positive_int,
            help='List the dead letters after the one with this ID')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        found = self.client.sinks.dead_letters(
            sink['id'], limit=parsed_args.limit, marker=parsed_args.marker)
        return common.rows(found, LONG_TABLE if parsed_args.long else TABLE)


class RetryDeadLetter(common.Command, show.ShowOne):
    """Send dead letters of a sink again."""

    _description = __doc__ + (
        ' Fix what made the sink refuse them first (its validation, the '
        'format, the credentials): the records become pending again and '
        'are sent under their own IDs and revisions. Without --id, every '
        'dead letter of the sink is retried. Admin only.')
    _epilog = """Examples::

    openstack metering sink dead-letter retry billing
    openstack metering sink dead-letter retry billing --id 17 --id 18"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        sinks.add_sink_argument(parser, 'retry the dead letters of')
        parser.add_argument(
            '--id', metavar='<dead-letter-id>', type=common.positive_int,
            action='append', dest='ids',
            help='Retry only this dead letter, as "dead-letter list" shows '
                 'its ID (repeat option for several)')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        retried = self.client.sinks.retry(sink['id'], parsed_args.ids)
        fields = ('sink_id', 'retried')
        return fields, common.values(retried, fields)
