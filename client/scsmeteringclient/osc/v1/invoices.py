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
"""openstack metering invoice ... and rating rerate: billing's results."""

import logging
import sys

from cliff import command
from cliff import lister
from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common

LOG = logging.getLogger(__name__)
FIELDS = ('id', 'number', 'kind', 'status', 'subscription_id', 'project_id',
          'domain_id', 'customer_ref', 'issuer', 'currency', 'total',
          'billing_period_start', 'billing_period_end', 'covers_start',
          'covers_end', 'created_at', 'finalized_at', 'voided_at',
          'void_reason', 'replaces', 'replaced_by', 'content_hash',
          'lines', 'unrated')
TABLE = (('ID', 'id'), ('Number', 'number'), ('Kind', 'kind'),
         ('Status', 'status'), ('Project', 'project_id'),
         ('Period Start', 'billing_period_start'),
         ('Period End', 'billing_period_end'), ('Currency', 'currency'),
         ('Total', 'total'))
LONG_TABLE = TABLE + (('Subscription', 'subscription_id'),
                      ('Covers Start', 'covers_start'),
                      ('Covers End', 'covers_end'),
                      ('Finalized At', 'finalized_at'),
                      ('Replaces', 'replaces'))
RERATE_TABLE = (('Subscription', 'subscription_id'),
                ('Period Start', 'period_start'),
                ('Period End', 'period_end'), ('Changed', 'changed'),
                ('Invoice', 'invoice_id'),
                ('Correction Total', 'correction_total'))


class LinesColumn(format_columns.ListDictColumn):
    """One line per invoice line; JSON and YAML get all of each."""

    def human_readable(self):
        found = []
        for line in self._value or ():
            text = '%s %s %s: %s' % (
                line.get('description') or line['item'],
                line['pricing_quantity'], line.get('pricing_unit') or '',
                line['amount'])
            if line.get('correction_of'):
                text += ' (correction of %s)' % line['correction_of']
            found.append(text)
        return '\n'.join(found)


FORMATTERS = {'lines': LinesColumn,
              'unrated': format_columns.ListDictColumn}


class _ShowInvoice(common.Command, show.ShowOne):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('invoice', metavar='<invoice-id>',
                            help='ID of the invoice')
        return parser

    def show(self, invoice):
        return FIELDS, common.values(invoice, FIELDS, FORMATTERS)


class ListInvoice(common.Command, lister.Lister):
    """List invoices, newest billing period first."""

    _description = __doc__ + (
        ' A project reader sees their own project\'s invoices; an admin '
        'any project\'s, or all of them.')
    _epilog = """Examples::

    openstack metering invoice list --status finalized
    openstack metering invoice list --all-projects \\
        --start 2026-01-01 --end 2026-02-01 --long"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_project_arguments(parser, 'list the invoices of')
        parser.add_argument('--subscription', metavar='<subscription-id>',
                            help='Only the invoices of this subscription')
        parser.add_argument('--status', metavar='<status>',
                            choices=('draft', 'finalized', 'voided'),
                            help='Only invoices in this state')
        parser.add_argument('--start', metavar='<time>',
                            type=common.iso_time,
                            help='Only billing periods ending after this '
                                 'time (ISO 8601)')
        parser.add_argument('--end', metavar='<time>', type=common.iso_time,
                            help='Only billing periods starting before '
                                 'this time (ISO 8601)')
        parser.add_argument('--long', action='store_true',
                            help='Also list the subscription, what each '
                                 'invoice covers and when it was finalized')
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> invoices')
        parser.add_argument('--marker', metavar='<invoice-id>',
                            help='List the invoices after this one')
        return parser

    def take_action(self, parsed_args):
        found = self.client.invoices.list(
            project_id=common.parsed_project_id(self.app.client_manager,
                                                parsed_args),
            all_projects=parsed_args.all_projects,
            subscription_id=parsed_args.subscription,
            status=parsed_args.status, start=parsed_args.start,
            end=parsed_args.end, limit=parsed_args.limit,
            marker=parsed_args.marker)
        return common.rows(found, LONG_TABLE if parsed_args.long else TABLE)


class ShowInvoice(_ShowInvoice):
    """Show an invoice with its lines."""

    _description = __doc__ + (
        ' Amounts are exact decimals in the currency\'s minor unit; a '
        'correction line names the invoice it corrects. "invoice download" '
        'gives FOCUS CSV or a printable page.')
    _epilog = """Examples::

    openstack metering invoice show 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f"""

    def take_action(self, parsed_args):
        return self.show(self.client.invoices.get(parsed_args.invoice))


class InterimInvoice(common.Command, show.ShowOne):
    """Issue a draft interim invoice, up to the last closed usage window."""

    _description = __doc__ + (
        ' It covers the end of the period\'s last invoice to the last '
        'closed window; asked again for the same window, it is the same '
        'invoice. Admin only, unless the operator\'s policy lets projects '
        'ask for their own.')
    _epilog = """Examples::

    openstack metering invoice interim --subscription acme-2026
    openstack metering invoice interim --project acme"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument('--subscription', metavar='<subscription-id>',
                           help='The subscription to invoice')
        group.add_argument('--project', metavar='<project>',
                           help='The project (name or ID) whose one current '
                                'subscription to invoice')
        parser.add_argument('--project-domain', metavar='<project-domain>',
                            help='Domain the project belongs to (name or '
                                 'ID), when project names collide')
        return parser

    def take_action(self, parsed_args):
        made = self.client.invoices.interim(
            subscription_id=parsed_args.subscription,
            project_id=common.parsed_project_id(self.app.client_manager,
                                                parsed_args))
        return FIELDS, common.values(made, FIELDS, FORMATTERS)


class FinalizeInvoice(_ShowInvoice):
    """Finalize a draft invoice: number it; it never changes again."""

    _description = __doc__ + (
        ' Numbers are gapless per issuer. A finalized invoice is corrected '
        'by voiding it, never edited. Admin only.')
    _epilog = """Examples::

    openstack metering invoice finalize 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f"""

    def take_action(self, parsed_args):
        return self.show(self.client.invoices.finalize(parsed_args.invoice))


class VoidInvoice(_ShowInvoice):
    """Void a finalized invoice; a replacement draft is issued."""

    _description = __doc__ + (
        ' The replacement bills the same period, rated again, and names the '
        'voided invoice; review and finalize it. Only the last numbered '
        'invoice of a period can be voided. Admin only.')
    _epilog = """Examples::

    openstack metering invoice void 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f \\
        --reason "wrong price list, ticket 4714\""""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--reason', metavar='<reason>', required=True,
                            help='Why: kept on the voided invoice')
        return parser

    def take_action(self, parsed_args):
        return self.show(self.client.invoices.void(parsed_args.invoice,
                                                   parsed_args.reason))


class DownloadInvoice(common.Command, command.Command):
    """Download an invoice as FOCUS CSV, a printable HTML page, or JSON."""

    _description = __doc__ + (
        ' FOCUS is the FinOps Open Cost and Usage Specification, 1.2: one '
        'row per invoice line, BilledCost adding up to the total.')
    _epilog = """Examples::

    openstack metering invoice download 5b0f6c1e-2a7d-4c3b-8e9f-1a2b3c4d5e6f \\
        --format html --file invoice.html"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('invoice', metavar='<invoice-id>',
                            help='ID of the invoice')
        parser.add_argument('--format', dest='invoice_format',
                            choices=('focus', 'html', 'json'),
                            default='focus',
                            help='focus (CSV, the default), html or json')
        parser.add_argument('--file', metavar='<file>',
                            help='Write to this file (default: standard '
                                 'output)')
        return parser

    def take_action(self, parsed_args):
        text = self.client.invoices.download(parsed_args.invoice,
                                             parsed_args.invoice_format)
        if parsed_args.file:
            with open(parsed_args.file, 'w', encoding='utf-8') as f:
                f.write(text)
        else:
            (self.app.stdout or sys.stdout).write(text)


class RerateRating(common.Command, lister.Lister):
    """Rate a time range again, with a reason."""

    _description = __doc__ + (
        ' Every billing period overlapping the range is rated again with '
        'the current usage and prices; the reason is kept on each rated '
        'line that changes. An invoiced period is never reissued: what '
        'changed becomes correction lines on the next invoice, whose total '
        'is listed. Admin only.')
    _epilog = """Examples::

    openstack metering rating rerate --start 2026-01-01 --end 2026-02-01 \\
        --project acme --reason "price of m1.small fixed, ticket 4715\""""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--start', metavar='<time>', required=True,
                            type=common.iso_time,
                            help='Start of the range (ISO 8601)')
        parser.add_argument('--end', metavar='<time>', required=True,
                            type=common.iso_time,
                            help='End of the range (ISO 8601), excluded')
        parser.add_argument('--reason', metavar='<reason>', required=True,
                            help='Why: kept on the new rated revisions')
        group = parser.add_mutually_exclusive_group()
        group.add_argument('--subscription', metavar='<subscription-id>',
                           help='Only this subscription')
        group.add_argument('--project', metavar='<project>',
                           help='Only the subscriptions of this project '
                                '(name or ID); default: all')
        parser.add_argument('--project-domain', metavar='<project-domain>',
                            help='Domain the project belongs to (name or '
                                 'ID), when project names collide')
        return parser

    def take_action(self, parsed_args):
        found = self.client.rating.rerate(
            parsed_args.start, parsed_args.end, parsed_args.reason,
            subscription_id=parsed_args.subscription,
            project_id=common.parsed_project_id(self.app.client_manager,
                                                parsed_args))
        for skipped in found['skipped']:
            LOG.warning('Subscription %s was not rated: %s',
                        skipped['subscription_id'], skipped['reason'])
        return common.rows(found['rerated'], RERATE_TABLE)
