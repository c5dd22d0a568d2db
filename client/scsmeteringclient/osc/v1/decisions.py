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
"""openstack metering decision ...: what throttling decided, and lifting."""

from cliff import lister
from cliff import show

from scsmeteringclient.osc import common

FIELDS = ('id', 'state', 'rule_id', 'opened_version', 'version',
          'closed_version', 'project_id', 'domain_id', 'mode', 'value',
          'unit', 'threshold', 'clear_threshold', 'window_start',
          'window_end', 'opened_at', 'reason', 'lifted_at', 'lift_reason',
          'closed_at', 'close_reason', 'closed_value', 'dedup_key')
TABLE = (('ID', 'id'), ('State', 'state'), ('Rule', 'rule_id'),
         ('Version', 'version'), ('Project', 'project_id'),
         ('Value', 'value'), ('Unit', 'unit'), ('Threshold', 'threshold'),
         ('Opened At', 'opened_at'))
LONG_TABLE = TABLE + (('Opened Version', 'opened_version'),
                      ('Closed At', 'closed_at'),
                      ('Close Reason', 'close_reason'),
                      ('Lift Reason', 'lift_reason'), ('Reason', 'reason'))


class ListDecision(common.Command, lister.Lister):
    """List throttling decisions, newest first."""

    _description = __doc__ + (
        ' About your project unless --project or --all-projects (admin or '
        'system reader) says otherwise; a project\'s readers see the '
        'decisions about their own project.')
    _epilog = """Examples::

    openstack metering decision list --state active
    openstack metering decision list --all-projects --rule budget"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--project', metavar='<project-id>',
                            help='Decisions about this project (admin)')
        parser.add_argument('--all-projects', action='store_true',
                            help='Decisions about every project')
        parser.add_argument('--rule', metavar='<rule-id>',
                            help='Only decisions of this rule')
        parser.add_argument('--state', choices=('open', 'lifted', 'closed',
                                                'active'),
                            help='active is open or lifted')
        parser.add_argument('--limit', type=common.positive_int,
                            metavar='<n>', help='At most this many')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        found = self.client.decisions.list(
            project_id=parsed_args.project,
            all_projects=parsed_args.all_projects,
            rule_id=parsed_args.rule, state=parsed_args.state,
            limit=parsed_args.limit)
        return common.rows(found, LONG_TABLE if parsed_args.long else TABLE)


class ShowDecision(common.Command, show.ShowOne):
    """Show a throttling decision."""

    _description = __doc__ + (
        ' The rule version that opened it and the one that keeps it open, '
        'its value and window, and its dedup key, which its announcements '
        'carry.')
    _epilog = """Examples::

    openstack metering decision show 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('decision', metavar='<decision-id>',
                            help='ID of the decision')
        return parser

    def take_action(self, parsed_args):
        found = self.client.decisions.get(parsed_args.decision)
        return FIELDS, common.values(found, FIELDS)


class LiftDecision(common.Command, show.ShowOne):
    """Lift an open throttling decision, with a reason."""

    _description = __doc__ + (
        ' The evaluator reverts its enforcement at its next run, restoring '
        'the limits the enforcers found. The decision stays lifted until '
        'its value falls below the clear threshold. Admin only.')
    _epilog = """Examples::

    openstack metering decision lift 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f \\
        --reason "paid by wire, ticket 4714\""""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('decision', metavar='<decision-id>',
                            help='ID of the decision')
        parser.add_argument('--reason', metavar='<reason>', required=True,
                            help='Why: kept with the decision')
        return parser

    def take_action(self, parsed_args):
        found = self.client.decisions.lift(parsed_args.decision,
                                           parsed_args.reason)
        return FIELDS, common.values(found, FIELDS)
