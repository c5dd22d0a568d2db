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
"""openstack metering sink ...: where usage is pushed, and its delivery."""

import logging

from cliff import command
from cliff import lister
from cliff import show
from osc_lib.cli import format_columns
from osc_lib import exceptions
from osc_lib import utils

from scsmeteringclient import exceptions as client_exc
from scsmeteringclient.osc import common

LOG = logging.getLogger(__name__)

FIELDS = ('id', 'name', 'driver', 'url', 'format', 'options', 'filters',
          'secrets', 'paused')
TABLE = (('ID', 'id'), ('Name', 'name'), ('Driver', 'driver'),
         ('URL', 'url'), ('Format', 'format'), ('Paused', 'paused'))
LONG_TABLE = TABLE + (('Options', 'options'), ('Filters', 'filters'),
                      ('Secrets', 'secrets'))


class FiltersColumn(format_columns.DictListColumn):
    """Filters with values; an empty one accepts every record anyway."""

    def human_readable(self):
        return utils.format_dict_of_list(
            {k: v for k, v in (self._value or {}).items() if v}) or ''


FORMATTERS = {'options': format_columns.DictColumn,
              'filters': FiltersColumn,
              'secrets': common.SecretsColumn}
STATUS_FIELDS = ('sink_id', 'paused', 'backlog', 'in_flight',
                 'oldest_pending_age', 'delivered', 'failed_attempts',
                 'dead_letters', 'last_success_at', 'last_error_at',
                 'last_error', 'retry_at')
KINDS = ('usage', 'started', 'changed', 'ended', 'lifecycle')
# Filter name in the API -> the option that gives its values.
FILTERS = (('kinds', 'kind'), ('meters', 'meter'),
           ('resource_types', 'resource_type'), ('projects', 'project'))


def show_sink(sink):
    return FIELDS, common.values(sink, FIELDS, FORMATTERS)


def add_sink_argument(parser, verb):
    parser.add_argument('sink', metavar='<sink>',
                        help='Sink to %s (name or ID)' % verb)


def add_filter_arguments(parser, intro):
    group = parser.add_argument_group('filters', intro)
    group.add_argument(
        '--kind', metavar='<kind>', choices=KINDS, action='append',
        help='Record kind: usage, started, changed, ended, or lifecycle for '
             'the last three (repeat option for several)')
    group.add_argument(
        '--meter', metavar='<meter>', action='append',
        help='Meter, such as instance or volume.size (repeat option for '
             'several)')
    group.add_argument(
        '--resource-type', metavar='<resource-type>', action='append',
        help='Resource type, such as instance or volume (repeat option '
             'for several)')
    group.add_argument(
        '--project', metavar='<project>', action='append',
        help='Project (name or ID) of the records (repeat option for '
             'several)')
    group.add_argument(
        '--project-domain', metavar='<project-domain>',
        help='Domain of the --project names (name or ID), when project '
             'names collide')
    return group


def given_filters(app, parsed_args):
    """API filter name -> values given on the command line."""
    filters = {}
    for name, option in FILTERS:
        given = getattr(parsed_args, option) or []
        if option == 'project':
            given = [common.find_project_id(
                app.client_manager, project, parsed_args.project_domain)
                for project in given]
        if given:
            filters[name] = list(dict.fromkeys(given))
    return filters


_SINK_INTRO = (
    'A sink is a destination the engine pushes records to: a webhook '
    '(http, https), a message bus (amqp), a database table (sql) or a '
    'file. Every usage record, and every lifecycle record (a resource '
    'started, changed or ended), that passes the sink\'s filters reaches '
    'it at least once, under a stable ID and revision; a record waits in '
    'the sink\'s backlog until the sink has taken it.')


class CreateSink(common.Command, show.ShowOne):
    """Create a sink: a destination that receives usage records."""

    _description = __doc__ + '\n\n' + _SINK_INTRO + (
        '\n\nFilters choose the records: a record must match one value of '
        'each filter given, and without filters the sink receives every '
        'record. Lifecycle records have no meter, so --meter keeps them '
        'out. Admin only.')
    _epilog = """Examples::

    # A webhook; requests are signed with the HMAC key in ./hmac.key
    openstack metering sink create billing --driver https \\
        --url https://billing.example.com/usage \\
        --hmac-key-file ./hmac.key --kind usage

    # Basic authentication; the password is asked for on the terminal
    openstack metering sink create erp --driver https \\
        --url https://erp.example.com/api/usage \\
        --option auth=basic --option username=metering \\
        --secret-prompt password --option timeout=10

    # Instance usage of one project, appended to a file
    openstack metering sink create archive --driver file \\
        --url file:///var/lib/scs-metering/usage.jsonl \\
        --meter instance --project demo"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'name', metavar='<name>',
            help='Name of the new sink: letters, digits, ".", "_" and "-"')
        parser.add_argument(
            '--driver', metavar='<driver>', required=True,
            help='How records are sent: http, https, amqp, sql or file '
                 '(the drivers the engine has installed)')
        parser.add_argument(
            '--url', metavar='<url>',
            help='Where the driver sends records, such as '
                 'https://billing.example.com/usage, '
                 'amqp://user@broker:5672/ or file:///path/usage.jsonl; '
                 'a password in it becomes secret password')
        parser.add_argument(
            '--record-format', metavar='<format>',
            help='How each record is written: native (default), '
                 'cloudevents, ceilometer, focus or lago')
        parser.add_argument(
            '--option', metavar='<key=value>', type=common.key_value,
            action='append', dest='options',
            help='An option of the driver or of the delivery, such as '
                 'timeout=10, batch_size=500, verify=false or auth=basic '
                 '(repeat option for several). <value> is read as JSON '
                 'when it is valid JSON (10, true, {"X-Env": "prod"}), '
                 'else as text')
        common.add_secret_arguments(parser)
        add_filter_arguments(
            parser, 'Which records the sink receives (repeat an option for '
                    'several values).')
        return parser

    def take_action(self, parsed_args):
        secrets = common.read_secrets(self.app.stdin, parsed_args.secrets)
        sink = self.client.sinks.create(
            parsed_args.name, parsed_args.driver, url=parsed_args.url,
            format=parsed_args.record_format,
            options=dict(parsed_args.options or ()) or None,
            filters=given_filters(self.app, parsed_args) or None,
            secrets=secrets or None)
        return show_sink(sink)


class ListSink(common.Command, lister.Lister):
    """List sinks."""

    _description = __doc__ + ' Admin only.'
    _epilog = """Examples::

    openstack metering sink list
    openstack metering sink list --long -f yaml"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--long', action='store_true',
            help='Also list options, filters and the names of secrets')
        parser.add_argument(
            '--limit', metavar='<limit>', type=common.positive_int,
            help='List at most <limit> sinks')
        parser.add_argument(
            '--marker', metavar='<sink-id>',
            help='List the sinks after the sink with this ID')
        return parser

    def take_action(self, parsed_args):
        sinks = self.client.sinks.list(limit=parsed_args.limit,
                                       marker=parsed_args.marker)
        return common.rows(sinks, LONG_TABLE if parsed_args.long else TABLE,
                           FORMATTERS)


class ShowSink(common.Command, show.ShowOne):
    """Show a sink; secrets are shown by name only."""

    _description = __doc__ + ' Admin only.'
    _epilog = """Examples::

    openstack metering sink show billing
    openstack metering sink show billing -f json -c filters"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'show')
        return parser

    def take_action(self, parsed_args):
        return show_sink(self.client.sinks.find(parsed_args.sink))


class SetSink(common.Command, command.Command):
    """Change a sink."""

    _description = __doc__ + (
        ' Options, secrets and filter values given are added or replaced;'
        ' the others stay as they are. A new URL or secret applies to the'
        ' records still waiting in the backlog. Admin only.')
    _epilog = """Examples::

    # Rotate the HMAC key
    openstack metering sink set billing --hmac-key-file ./new-hmac.key

    # Send volume usage too, in batches of 500
    openstack metering sink set billing --meter volume.size \\
        --option batch_size=500"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'change')
        parser.add_argument('--name', metavar='<name>',
                            help='New name of the sink')
        parser.add_argument('--driver', metavar='<driver>',
                            help='New driver: http, https, amqp, sql or '
                                 'file')
        parser.add_argument('--url', metavar='<url>',
                            help='New URL of the sink')
        parser.add_argument('--record-format', metavar='<format>',
                            help='New record format: native, cloudevents, '
                                 'ceilometer, focus or lago')
        parser.add_argument(
            '--option', metavar='<key=value>', type=common.key_value,
            action='append', dest='options',
            help='Set an option of the driver or of the delivery (repeat '
                 'option for several); <value> is read as JSON when it is '
                 'valid JSON, else as text')
        common.add_secret_arguments(parser)
        add_filter_arguments(
            parser, 'Values added to the filters of the sink. A filter '
                    'without values accepts every record, so its first '
                    'value narrows what the sink receives.')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        changes = {field: getattr(parsed_args, option)
                   for field, option in (('name', 'name'),
                                         ('driver', 'driver'),
                                         ('url', 'url'),
                                         ('format', 'record_format'))
                   if getattr(parsed_args, option) is not None}
        if parsed_args.options:
            changes['options'] = dict(parsed_args.options)
        secrets = common.read_secrets(self.app.stdin, parsed_args.secrets)
        if secrets:
            changes['secrets'] = secrets
        added = given_filters(self.app, parsed_args)
        if added:
            current = sink['filters'] or {}
            changes['filters'] = {
                name: list(dict.fromkeys(current.get(name, []) + values))
                for name, values in added.items()}
        if changes:
            self.client.sinks.update(sink['id'], **changes)


class UnsetSink(common.Command, command.Command):
    """Remove settings of a sink."""

    _description = __doc__ + (
        ' Removing the last value of a filter removes the filter: the sink '
        'then receives records of any value. Admin only.')
    _epilog = """Examples::

    openstack metering sink unset billing --secret hmac_key
    openstack metering sink unset billing --meter volume.size
    openstack metering sink unset billing --all-filters"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'change')
        parser.add_argument('--url', action='store_true',
                            help='Remove the URL')
        parser.add_argument('--record-format', action='store_true',
                            help='Go back to the default record format, '
                                 'native')
        parser.add_argument(
            '--option', metavar='<key>', action='append', dest='options',
            help='Remove an option (repeat option for several)')
        parser.add_argument(
            '--secret', metavar='<name>', action='append', dest='secrets',
            help='Remove a secret (repeat option for several)')
        filters = add_filter_arguments(
            parser, 'Values removed from the filters of the sink.')
        filters.add_argument(
            '--all-filters', action='store_true',
            help='Remove every filter: the sink receives every record')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        changes = {field: None for field, option in (
            ('url', 'url'), ('format', 'record_format'))
            if getattr(parsed_args, option)}
        for field, names in (('options', parsed_args.options),
                             ('secrets', parsed_args.secrets)):
            if names:
                _check_present(sink, field, names, sink[field] or {})
                changes[field] = dict.fromkeys(names)
        if parsed_args.all_filters:
            changes['filters'] = None
        else:
            removed = given_filters(self.app, parsed_args)
            current = sink['filters'] or {}
            for name, values in removed.items():
                _check_present(sink, 'filters.%s' % name, values,
                               current.get(name, []))
            if removed:
                # An empty filter accepts everything; with no filter left
                # the field goes.
                left = {name: [v for v in values if v not in removed.get(
                    name, ())] for name, values in current.items()}
                changes['filters'] = {
                    name: left[name] for name in removed} if any(
                    left.values()) else None
        if changes:
            self.client.sinks.update(sink['id'], **changes)


def _check_present(sink, field, names, present):
    missing = [name for name in names if name not in present]
    if missing:
        raise exceptions.CommandError(
            'Sink %s has no %s %s.' % (sink['name'], field,
                                       ', '.join(missing)))


class DeleteSink(common.Command, command.Command):
    """Delete sinks, with their backlog and dead letters."""

    _description = __doc__ + (
        ' Records not yet delivered to the sink are not sent. Admin only.')
    _epilog = """Example::

    openstack metering sink delete billing archive"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('sinks', metavar='<sink>', nargs='+',
                            help='Sink(s) to delete (name or ID)')
        return parser

    def take_action(self, parsed_args):
        failed = 0
        for name in parsed_args.sinks:
            try:
                self.client.sinks.delete(self.client.sinks.find(name)['id'])
            except client_exc.ClientException as exc:
                failed += 1
                LOG.error('Failed to delete sink %s: %s', name, exc)
        if failed:
            raise exceptions.CommandError('%d of %d sinks failed to delete.'
                                          % (failed, len(parsed_args.sinks)))


class PauseSink(common.Command, command.Command):
    """Pause deliveries to a sink."""

    _description = __doc__ + (
        ' The sink\'s backlog keeps filling; nothing is lost, and '
        '"openstack metering sink resume" sends the backlog. Admin only.')
    _epilog = """Example::

    openstack metering sink pause billing"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'pause')
        return parser

    def take_action(self, parsed_args):
        self.client.sinks.pause(self.client.sinks.find(parsed_args.sink)['id'])


class ResumeSink(common.Command, command.Command):
    """Resume deliveries to a paused sink, starting with its backlog."""

    _description = __doc__ + ' Admin only.'
    _epilog = """Example::

    openstack metering sink resume billing"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'resume')
        return parser

    def take_action(self, parsed_args):
        self.client.sinks.resume(
            self.client.sinks.find(parsed_args.sink)['id'])


class ReplaySink(common.Command, show.ShowOne):
    """Send the records of a time range to a sink again."""

    _description = __doc__ + (
        ' The current revision of every record in [start, end) that passes '
        'the sink\'s filters is queued again, under its own ID and '
        'revision: usage records whose window lies in the range, and '
        'lifecycle records that occurred in it. A receiver that keeps the '
        'highest revision of each ID is not disturbed. Admin only.')
    _epilog = """Example::

    # January again, after the billing system lost it
    openstack metering sink replay billing \\
        --start 2026-01-01 --end 2026-02-01"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'send to')
        parser.add_argument(
            '--start', metavar='<time>', type=common.iso_time,
            required=True,
            help='Start of the range, included (ISO 8601; UTC unless it '
                 'has an offset)')
        parser.add_argument(
            '--end', metavar='<time>', type=common.iso_time, required=True,
            help='End of the range, excluded (ISO 8601)')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        replay = self.client.sinks.replay(sink['id'], parsed_args.start,
                                          parsed_args.end)
        fields = ('sink_id', 'start', 'end', 'queued')
        return fields, common.values(replay, fields)


class ShowSinkStatus(common.Command, show.ShowOne):
    """Show how delivery to a sink goes."""

    _description = __doc__ + """ Admin only. The fields::

    backlog             records waiting to be sent
    in_flight           batches being sent now
    oldest_pending_age  seconds the oldest waiting record has waited
    delivered           records the sink took
    failed_attempts     sends that failed
    dead_letters        records the sink refused for good
    last_error          the last failure, at last_error_at
    retry_at            after a failure, no send before this time"""
    _epilog = """Example::

    openstack metering sink status billing"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_sink_argument(parser, 'show the delivery status of')
        return parser

    def take_action(self, parsed_args):
        sink = self.client.sinks.find(parsed_args.sink)
        return STATUS_FIELDS, common.values(
            self.client.sinks.status(sink['id']), STATUS_FIELDS)
