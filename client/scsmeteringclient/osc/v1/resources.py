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
"""openstack metering resource ...: tracked resources and their periods."""

from cliff import lister
from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common

TABLE = (('Type', 'resource_type'), ('ID', 'resource_id'),
         ('Project', 'project_id'), ('Active', 'active'),
         ('Started At', 'started_at'), ('Ended At', 'ended_at'))
LONG_TABLE = TABLE + (('User', 'user_id'), ('Periods', 'periods'),
                      ('Last Seen At', 'last_seen_at'),
                      ('Missing Since', 'missing_since'))
FIELDS = ('resource_type', 'resource_id', 'project_id', 'user_id',
          'active', 'started_at', 'ended_at', 'attributes',
          'first_event_at', 'last_event_at', 'last_seen_at',
          'missing_since', 'periods')
# What a period shows in a table, besides its attributes.
PERIOD_KEYS = ('project_id', 'state', 'provenance', 'uncertainty_seconds')


class PeriodsColumn(format_columns.ListDictColumn):
    """One line per billable period; JSON and YAML get all of each.

    A line names the attributes in which the period differs from the
    resource as it is now, such as the flavor before a resize.
    """

    def __init__(self, value, current=None):
        super().__init__(value)
        self.current = current or {}

    def _line(self, period):
        parts = ['%s to %s' % (period['started_at'],
                               period.get('ended_at') or 'now')]
        parts += ['%s=%s' % (key, period[key]) for key in PERIOD_KEYS
                  if period.get(key) is not None]
        attributes = period.get('attributes') or {}
        parts += ['%s=%s' % (key, attributes[key])
                  for key in sorted(attributes)
                  if attributes[key] != self.current.get(key)]
        return ', '.join(parts)

    def human_readable(self):
        return '\n'.join(self._line(period) for period in self._value or ())


class CountColumn(format_columns.ListDictColumn):
    """How many periods, in a list; all of them in JSON and YAML."""

    def human_readable(self):
        return str(len(self._value or ()))


class ListResource(common.Command, lister.Lister):
    """List tracked resources: what is billed, and over which periods."""

    _description = __doc__ + (
        ' A resource is listed when one of its billable periods belongs to '
        'the project, and only with those periods. A project reader sees '
        'their own project; an admin any project, or all of them.')
    _epilog = """Examples::

    openstack metering resource list --type instance
    # Every project, January only, with the periods
    openstack metering resource list --all-projects \\
        --start 2026-01-01 --end 2026-02-01 --long"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_project_arguments(parser, 'list the resources of')
        parser.add_argument(
            '--type', metavar='<resource-type>', dest='resource_type',
            help='Only resources of this type: instance, volume, snapshot, '
                 'backup, floating_ip, router, metering_label, image, '
                 'swift_account, loadbalancer or dns_zone')
        parser.add_argument(
            '--start', metavar='<time>', type=common.iso_time,
            help='Only resources, and periods, alive after this time '
                 '(ISO 8601)')
        parser.add_argument(
            '--end', metavar='<time>', type=common.iso_time,
            help='Only resources, and periods, alive before this time '
                 '(ISO 8601)')
        parser.add_argument(
            '--long', action='store_true',
            help='Also list the user, the number of billable periods, and '
                 'when the service\'s API last listed the resource')
        parser.add_argument(
            '--limit', metavar='<limit>', type=common.positive_int,
            help='List at most <limit> resources')
        parser.add_argument(
            '--marker', metavar='<type:id>',
            help='List the resources after this one, given as '
                 '<resource-type>:<resource-id>')
        return parser

    def take_action(self, parsed_args):
        project_id = common.parsed_project_id(self.app.client_manager,
                                              parsed_args)
        found = self.client.resources.list(
            project_id=project_id, all_projects=parsed_args.all_projects,
            resource_type=parsed_args.resource_type,
            start=parsed_args.start, end=parsed_args.end,
            limit=parsed_args.limit, marker=parsed_args.marker)
        return common.rows(found,
                           LONG_TABLE if parsed_args.long else TABLE,
                           {'periods': CountColumn})


class ShowResource(common.Command, show.ShowOne):
    """Show a tracked resource with its billable periods."""

    _description = __doc__ + (
        ' Each period gives the time the resource was billed in one state '
        'to one project, where the fact came from (provenance: '
        'notification, audit or reconciliation), and, for a start or end '
        'that reconciliation inferred, by how many seconds it may be off '
        '(uncertainty_seconds). A project reader sees the periods of their '
        'own project.')
    _epilog = """Example::

    openstack metering resource show instance \\
        3f9c1a52-7f1e-4d7a-9c1e-5b1f0e6c2a10"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'resource_type', metavar='<resource-type>',
            help='Type of the resource, such as instance or volume')
        parser.add_argument(
            'resource_id', metavar='<resource-id>',
            help='ID the service gave the resource')
        return parser

    def take_action(self, parsed_args):
        resource = self.client.resources.get(parsed_args.resource_type,
                                             parsed_args.resource_id)
        return FIELDS, common.values(resource, FIELDS, {
            'attributes': format_columns.DictColumn,
            'periods': lambda periods: PeriodsColumn(
                periods, resource.get('attributes'))})
