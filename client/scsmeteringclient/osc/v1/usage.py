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
"""openstack metering usage show: the usage report of a project."""

from cliff import lister

from scsmeteringclient.osc import common

PROVENANCE = (('Notification Seconds', 'notification'),
              ('Audit Seconds', 'audit'),
              ('Reconciliation Seconds', 'reconciliation'))


class ShowUsage(common.Command, lister.Lister):
    """Show the usage report of a project: what it is billed from."""

    _description = __doc__ + (
        ' One row per meter and value of the --group-by keys, with the '
        'exact quantity in the unit of the meter: s for the seconds an '
        'instance ran, GiB*s for volume storage over time, B for bytes. '
        'A usage record counts '
        'when its window lies in [start, end). A project reader sees their '
        'own project; an admin any project, or all of them.')
    _epilog = """Examples::

    # This month, by flavor
    openstack metering usage show --group-by flavor_name

    # January of project demo, instances and volumes only
    openstack metering usage show --project demo \\
        --start 2026-01-01 --end 2026-02-01 \\
        --meter instance --meter volume.size

    # Every project, with how much of it reconciliation inferred
    openstack metering usage show --all-projects \\
        --group-by project_id --long"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_project_arguments(parser, 'report on')
        parser.add_argument(
            '--start', metavar='<time>', type=common.iso_time,
            help='Start of the report, included (ISO 8601; UTC unless it '
                 'has an offset); default: the first day of this month, UTC')
        parser.add_argument(
            '--end', metavar='<time>', type=common.iso_time,
            help='End of the report, excluded; default: the first day of '
                 'next month, UTC')
        parser.add_argument(
            '--meter', metavar='<meter>', action='append', dest='meters',
            help='Only this meter (repeat option for several)')
        parser.add_argument(
            '--resource-type', metavar='<resource-type>', action='append',
            dest='resource_types',
            help='Only resources of this type, such as instance or volume '
                 '(repeat option for several)')
        parser.add_argument(
            '--group-by', metavar='<key>', action='append', dest='group_by',
            help='Also group by this key: resource_type, project_id, or an '
                 'attribute of the records such as flavor_name (repeat '
                 'option for several)')
        parser.add_argument(
            '--long', action='store_true',
            help='Also list the seconds of usage that each source backs: a '
                 'notification, an audit (exists) notification, or '
                 'reconciliation with the service\'s API')
        return parser

    def take_action(self, parsed_args):
        project_id = common.parsed_project_id(self.app.client_manager,
                                              parsed_args)
        report = self.client.usage.get(
            project_id=project_id, all_projects=parsed_args.all_projects,
            start=parsed_args.start, end=parsed_args.end,
            meters=parsed_args.meters,
            resource_types=parsed_args.resource_types,
            group_by=parsed_args.group_by)
        keys = report['group_by']
        headers = ('Meter',) + tuple(keys) + ('Quantity', 'Unit')
        if parsed_args.long:
            headers += tuple(h for h, _k in PROVENANCE) + (
                'Inferred Seconds',)
        rows = []
        for entry in report['usage']:
            row = ((entry['meter'],) +
                   tuple(entry['group'].get(k) for k in keys) +
                   (entry['quantity'], entry['unit']))
            if parsed_args.long:
                row += tuple(entry['provenance'].get(k)
                             for _h, k in PROVENANCE) + (
                    entry['inferred_seconds'],)
            rows.append(row)
        return headers, rows
