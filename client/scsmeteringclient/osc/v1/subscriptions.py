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
"""openstack metering subscription|rating ...: who pays, and how much."""

from cliff import lister
from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common
from scsmeteringclient.osc.v1 import catalog

FIELDS = ('id', 'project_id', 'domain_id', 'plans', 'end', 'anchor_day',
          'timezone', 'customer_ref', 'revision', 'created_at',
          'updated_at')
TABLE = (('ID', 'id'), ('Project ID', 'project_id'),
         ('Domain ID', 'domain_id'), ('Plans', 'plans'), ('End', 'end'),
         ('Customer Ref', 'customer_ref'))


class PlansColumn(format_columns.ListColumn):
    """The plan timeline as "plan from <time>"."""

    def human_readable(self):
        return '\n'.join('%s from %s' % (p['plan'], p['from'])
                         for p in self._value or ())


FORMATTERS = {'plans': PlansColumn}


def show_subscription(found):
    return FIELDS, common.values(found, FIELDS, FORMATTERS)


class CreateSubscription(common.Command, show.ShowOne):
    """Subscribe a project, or a whole domain, to a plan."""

    _description = __doc__ + (
        ' Billing periods start on the anchor day (1 to 28, or month_end) '
        'at midnight in the billing time zone; the usage under them stays '
        'UTC. Admin only.')
    _epilog = """Examples::

    openstack metering subscription create --project demo \\
        --plan standard --start 2027-01-01T00:00:00Z \\
        --anchor-day 1 --timezone Europe/Berlin --customer-ref CRM-0042"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument('--project', metavar='<project>',
                           help='Project to bill (name or ID)')
        scope.add_argument('--domain', metavar='<domain-id>',
                           help='Domain to bill, all its projects (ID)')
        parser.add_argument('--project-domain', metavar='<project-domain>',
                            help='Domain the project belongs to (name or '
                                 'ID), when project names collide')
        parser.add_argument('--plan', metavar='<plan-id>', required=True,
                            help='The plan from the start on')
        parser.add_argument('--start', metavar='<time>', required=True,
                            type=common.iso_time,
                            help='When billing starts (ISO 8601; UTC '
                                 'unless it has an offset)')
        parser.add_argument('--end', metavar='<time>', type=common.iso_time,
                            help='When billing ends; default: never')
        parser.add_argument('--anchor-day', metavar='<day>',
                            help='Day billing periods start: 1 to 28, or '
                                 'month_end; default: 1')
        parser.add_argument('--timezone', metavar='<zone>',
                            help='IANA time zone of the billing periods, '
                                 'such as Europe/Berlin; default: the '
                                 'operator\'s ([billing] timezone)')
        parser.add_argument('--customer-ref', metavar='<reference>',
                            help='The customer in the billing system')
        parser.add_argument('--id', metavar='<subscription-id>',
                            dest='subscription_id',
                            help='ID of the subscription; default: a UUID')
        return parser

    def take_action(self, parsed_args):
        project_id = None
        if parsed_args.project:
            project_id = common.find_project_id(
                self.app.client_manager, parsed_args.project,
                parsed_args.project_domain)
        anchor = parsed_args.anchor_day
        if anchor is not None and anchor.isdigit():
            anchor = int(anchor)
        made = self.client.subscriptions.create(
            [(parsed_args.plan, parsed_args.start)], project_id=project_id,
            domain_id=parsed_args.domain,
            subscription_id=parsed_args.subscription_id, anchor_day=anchor,
            timezone=parsed_args.timezone,
            customer_ref=parsed_args.customer_ref, end=parsed_args.end)
        return show_subscription(made)


class ListSubscription(common.Command, lister.Lister):
    """List subscriptions."""

    _description = __doc__ + (
        ' A project reader sees the subscriptions of their own project; an '
        'admin those of any project, of a domain, or all of them.')
    _epilog = """Examples::

    openstack metering subscription list
    openstack metering subscription list --all-projects"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_project_arguments(parser, 'list the subscriptions of')
        parser.add_argument('--domain', metavar='<domain-id>',
                            help='Subscriptions of this domain (admin '
                                 'only)')
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> subscriptions')
        parser.add_argument('--marker', metavar='<subscription-id>',
                            help='List the subscriptions after this one')
        return parser

    def take_action(self, parsed_args):
        found = self.client.subscriptions.list(
            project_id=common.parsed_project_id(self.app.client_manager,
                                                parsed_args),
            domain_id=parsed_args.domain,
            all_projects=parsed_args.all_projects, limit=parsed_args.limit,
            marker=parsed_args.marker)
        return common.rows(found, TABLE, FORMATTERS)


class ShowSubscription(common.Command, show.ShowOne):
    """Show a subscription."""

    _description = __doc__ + (
        ' A project reader may see the subscriptions of their project.')
    _epilog = """Examples::

    openstack metering subscription show sub-1 -f json"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('subscription', metavar='<subscription-id>',
                            help='ID of the subscription')
        return parser

    def take_action(self, parsed_args):
        return show_subscription(self.client.subscriptions.get(
            parsed_args.subscription))


class SetSubscription(common.Command, show.ShowOne):
    """Change the future of a subscription."""

    _description = __doc__ + (
        ' A plan change takes effect at its time, which must not be in '
        'the past: the period it falls in is split there, to the second. '
        'What was billed never changes. Admin only.')
    _epilog = """Examples::

    # From March on, the premium plan
    openstack metering subscription set <subscription-id> \\
        --plan-change premium=2027-03-01T00:00:00Z

    # The customer leaves at the end of June (Berlin time)
    openstack metering subscription set <subscription-id> \\
        --end 2027-06-30T22:00:00Z"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('subscription', metavar='<subscription-id>',
                            help='ID of the subscription')
        parser.add_argument('--plan-change', metavar='<plan-id=time>',
                            type=catalog.text_pair, action='append',
                            dest='changes',
                            help='Change to this plan at this time (ISO '
                                 '8601), now or later (repeat option for '
                                 'several)')
        end = parser.add_mutually_exclusive_group()
        end.add_argument('--end', metavar='<time>', type=common.iso_time,
                         help='When billing ends, now or later')
        end.add_argument('--no-end', action='store_true',
                         help='Billing does not end (if its end has not '
                              'passed)')
        parser.add_argument('--customer-ref', metavar='<reference>',
                            help='The customer in the billing system')
        return parser

    def take_action(self, parsed_args):
        changes = {}
        if parsed_args.changes:
            current = self.client.subscriptions.get(
                parsed_args.subscription)
            changes['plans'] = [(p['plan'], p['from'])
                                for p in current['plans']] + [
                (plan, common.iso_time(when))
                for plan, when in parsed_args.changes]
        if parsed_args.end or parsed_args.no_end:
            changes['end'] = parsed_args.end
        if parsed_args.customer_ref is not None:
            changes['customer_ref'] = parsed_args.customer_ref
        return show_subscription(self.client.subscriptions.update(
            parsed_args.subscription, **changes))


class ShowRating(common.Command, lister.Lister):
    """Show what a project's usage costs: its rated usage."""

    _description = __doc__ + (
        ' One row per meter, currency and value of the --group-by keys: '
        'the quantity in the meter\'s unit and in the price\'s, and the '
        'amount, the sum of the records\' rated shares. Recurring fees and '
        'minimum charges are lines of invoices, not of rated usage. A '
        'project reader sees their own project; an admin any project, or '
        'all of them.')
    _epilog = """Examples::

    # This month, by price
    openstack metering rating show --group-by price

    # January of project demo, by resource
    openstack metering rating show --project demo \\
        --start 2027-01-01 --end 2027-02-01 --group-by resource_id"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_project_arguments(parser, 'show the rated usage of')
        parser.add_argument('--subscription', metavar='<subscription-id>',
                            help='Only lines of this subscription')
        parser.add_argument('--start', metavar='<time>',
                            type=common.iso_time,
                            help='Start, included (ISO 8601); default: '
                                 'the first day of this month, UTC')
        parser.add_argument('--end', metavar='<time>', type=common.iso_time,
                            help='End, excluded; default: the first day '
                                 'of next month, UTC')
        parser.add_argument('--group-by', metavar='<key>', action='append',
                            dest='group_by',
                            help='Also sum by this key: price, line, '
                                 'resource_id, subscription_id, '
                                 'project_id or period (repeat option for '
                                 'several)')
        return parser

    def take_action(self, parsed_args):
        found = self.client.rating.rated_usage(
            project_id=common.parsed_project_id(self.app.client_manager,
                                                parsed_args),
            all_projects=parsed_args.all_projects,
            subscription_id=parsed_args.subscription,
            start=parsed_args.start, end=parsed_args.end,
            group_by=parsed_args.group_by)
        keys = found['group_by']
        headers = ('Meter',) + tuple(keys) + (
            'Quantity', 'Unit', 'Pricing Quantity', 'Pricing Unit',
            'Amount', 'Currency')
        rows = [(g['meter'],) + tuple(
            str(g['group'].get(k)) for k in keys) + (
            g['quantity'], g['unit'], g['pricing_quantity'],
            g['pricing_unit'], g['amount'], g['currency'])
            for g in found['rated_usage']]
        return headers, rows


class Quote(common.Command, show.ShowOne):
    """Quote a hypothetical usage on a plan; nothing is stored."""

    _description = __doc__ + (
        ' The usage file is a JSON list of items with meter, quantity (in '
        'the meter\'s unit unless unit says otherwise), and optionally '
        'attributes, start and end; numbers are read as written. The '
        'usage is rated in the billing period holding --start exactly as '
        'the engine rates real usage. Admin or system reader only.')
    _epilog = """Examples::

    openstack metering rating quote --plan standard \\
        --usage-file usage.json --start 2024-02-10T23:00:00Z \\
        --anchor-day 1 --timezone Europe/Berlin"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--plan', metavar='<plan-id>', required=True,
                            help='The plan to quote')
        parser.add_argument('--usage-file', metavar='<file>',
                            required=True, type=catalog.json_file,
                            dest='usage', help='JSON file of usage items')
        parser.add_argument('--start', metavar='<time>',
                            type=common.iso_time,
                            help='Start of the hypothetical subscription; '
                                 'default: the start of this period')
        parser.add_argument('--anchor-day', metavar='<day>',
                            help='1 to 28, or month_end; default: 1')
        parser.add_argument('--timezone', metavar='<zone>',
                            help='IANA time zone of the billing period')
        return parser

    def take_action(self, parsed_args):
        anchor = parsed_args.anchor_day
        if anchor is not None and anchor.isdigit():
            anchor = int(anchor)
        found = self.client.rating.quote(
            parsed_args.plan, parsed_args.usage, start=parsed_args.start,
            anchor_day=anchor, timezone=parsed_args.timezone)
        fields = ('plan', 'currency', 'billing_period_start',
                  'billing_period_end', 'total', 'lines', 'unrated')
        return fields, common.values(found, fields, {
            'lines': LinesColumn, 'unrated': catalog.JSONColumn})


class LinesColumn(format_columns.ListColumn):
    """Invoice lines as "item (kind): pricing quantity unit = amount"."""

    def human_readable(self):
        return '\n'.join('%s (%s): %s %s = %s' % (
            line['item'], line['kind'], line['pricing_quantity'],
            line['pricing_unit'], line['amount'])
            for line in self._value or ())
