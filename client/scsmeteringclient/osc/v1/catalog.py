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
"""openstack metering price-list|plan ...: what usage costs.

Amounts are given and shown as decimal strings, exactly as the API keeps
them; the command line never turns them into floats.
"""

import argparse
import json

from cliff import command
from cliff import lister
from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common

PRICE_LIST_FIELDS = ('id', 'currency', 'description', 'created_at',
                     'versions')
VERSION_FIELDS = ('price_list_id', 'number', 'effective_from',
                  'description', 'forced', 'force_reason', 'created_at',
                  'prices')
VERSION_TABLE = (('Number', 'number'), ('Effective From', 'effective_from'),
                 ('Description', 'description'), ('Forced', 'forced'),
                 ('Force Reason', 'force_reason'))
PLAN_FIELDS = ('id', 'price_list', 'description', 'fees', 'allowances',
               'created_at')
PLAN_TABLE = (('ID', 'id'), ('Price List', 'price_list'),
              ('Description', 'description'))


class VersionsColumn(format_columns.ListColumn):
    """Versions as "number: effective_from"."""

    def human_readable(self):
        return '\n'.join('%s: %s%s' % (
            v['number'], v['effective_from'],
            ' (forced: %s)' % v['force_reason'] if v.get('forced') else '')
            for v in self._value or ())


class JSONColumn(format_columns.ListColumn):
    """Documents (prices, fees) as indented JSON."""

    def human_readable(self):
        return json.dumps(self._value, indent=1, sort_keys=True)


PRICE_LIST_FORMATTERS = {'versions': VersionsColumn}
VERSION_FORMATTERS = {'prices': JSONColumn}
PLAN_FORMATTERS = {'fees': JSONColumn, 'allowances': JSONColumn}


def text_pair(text):
    """KEY=VALUE, the value kept as text: "10.00" stays "10.00"."""
    key, sep, value = text.partition('=')
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(
            'expected <key>=<value>, got %r' % text)
    return key, value


def json_file(path):
    try:
        with open(path, encoding='utf-8') as f:
            # Decimals stay text: a float would be refused by the API.
            return json.load(f, parse_float=str)
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError('cannot read %s: %s' % (path, exc))


class CreatePriceList(common.Command, show.ShowOne):
    """Create a price list in a currency."""

    _description = __doc__ + (
        ' A price list has one ISO 4217 currency and immutable versions, '
        'published with "price-list version create". Admin only.')
    _epilog = """Examples::

    openstack metering price-list create public --currency EUR \\
        --description "Public prices\""""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('price_list', metavar='<price-list-id>',
                            help='ID of the new price list: letters, '
                                 'digits, ".", "_", ":" and "-"')
        parser.add_argument('--currency', metavar='<code>', required=True,
                            help='ISO 4217 currency code, such as EUR')
        parser.add_argument('--description', metavar='<description>',
                            help='Description of the price list')
        return parser

    def take_action(self, parsed_args):
        made = self.client.price_lists.create(
            parsed_args.price_list, parsed_args.currency,
            parsed_args.description)
        return PRICE_LIST_FIELDS, common.values(made, PRICE_LIST_FIELDS,
                                                PRICE_LIST_FORMATTERS)


class ListPriceList(common.Command, lister.Lister):
    """List price lists."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering price-list list"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> price lists')
        parser.add_argument('--marker', metavar='<price-list-id>',
                            help='List the price lists after this one')
        return parser

    def take_action(self, parsed_args):
        found = self.client.price_lists.list(limit=parsed_args.limit,
                                             marker=parsed_args.marker)
        return common.rows(found, (
            ('ID', 'id'), ('Currency', 'currency'),
            ('Description', 'description'), ('Versions', 'versions')),
            PRICE_LIST_FORMATTERS)


class ShowPriceList(common.Command, show.ShowOne):
    """Show a price list and its versions."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering price-list show public"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('price_list', metavar='<price-list-id>',
                            help='ID of the price list')
        return parser

    def take_action(self, parsed_args):
        found = self.client.price_lists.get(parsed_args.price_list)
        return PRICE_LIST_FIELDS, common.values(found, PRICE_LIST_FIELDS,
                                                PRICE_LIST_FORMATTERS)


class CreatePriceListVersion(common.Command, show.ShowOne):
    """Publish a new version of a price list."""

    _description = __doc__ + (
        ' The version holds the prices of the file and takes effect at '
        '--effective-from, until a later version does; it is never '
        'edited. The file is a JSON list of prices, or an object with '
        '"prices" (and optionally "effective_from" and "description"), as '
        'the billing guide describes them; amounts are decimal strings. A '
        'version that takes effect in the past re-rates usage already '
        'rated: it needs --force and a --reason, which are kept. Two '
        'prices that could rate one record are refused, by name. Admin '
        'only.')
    _epilog = """Examples::

    openstack metering price-list version create public \\
        --prices-file prices-2027.json --effective-from 2027-01-01"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('price_list', metavar='<price-list-id>',
                            help='ID of the price list')
        parser.add_argument('--prices-file', metavar='<file>',
                            required=True, type=json_file, dest='document',
                            help='JSON file with the prices')
        parser.add_argument('--effective-from', metavar='<time>',
                            type=common.iso_time,
                            help='When the version takes effect (ISO '
                                 '8601; UTC unless it has an offset); '
                                 'default: as the file says')
        parser.add_argument('--description', metavar='<description>',
                            help='Description of the version')
        parser.add_argument('--force', action='store_true',
                            help='Publish a version that takes effect in '
                                 'the past (needs --reason)')
        parser.add_argument('--reason', metavar='<reason>',
                            help='Why a version is back-dated; kept with it')
        return parser

    def take_action(self, parsed_args):
        document = parsed_args.document
        if isinstance(document, list):
            document = {'prices': document}
        made = self.client.price_lists.publish(
            parsed_args.price_list,
            parsed_args.effective_from or document.get('effective_from'),
            document.get('prices') or [],
            description=(parsed_args.description or
                         document.get('description')),
            force=parsed_args.force, reason=parsed_args.reason)
        return VERSION_FIELDS, common.values(made, VERSION_FIELDS,
                                             VERSION_FORMATTERS)


class ListPriceListVersion(common.Command, lister.Lister):
    """List the versions of a price list."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering price-list version list public"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('price_list', metavar='<price-list-id>',
                            help='ID of the price list')
        return parser

    def take_action(self, parsed_args):
        return common.rows(self.client.price_lists.versions(
            parsed_args.price_list), VERSION_TABLE)


class ShowPriceListVersion(common.Command, show.ShowOne):
    """Show a version of a price list, with its prices."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering price-list version show public 2 -f json"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('price_list', metavar='<price-list-id>',
                            help='ID of the price list')
        parser.add_argument('number', metavar='<number>',
                            type=common.positive_int,
                            help='Number of the version')
        return parser

    def take_action(self, parsed_args):
        found = self.client.price_lists.get_version(parsed_args.price_list,
                                                    parsed_args.number)
        return VERSION_FIELDS, common.values(found, VERSION_FIELDS,
                                             VERSION_FORMATTERS)


class CreatePlan(common.Command, show.ShowOne):
    """Create a plan: a price list, recurring fees and allowances."""

    _description = __doc__ + (
        ' A fee is charged per billing period and prorated to the second; '
        'an allowance gives free units of a usage price of the list, per '
        'period. Plans never change: a new fee is a new plan, and a plan '
        'change on the subscriptions. Admin only.')
    _epilog = """Examples::

    openstack metering plan create standard --price-list public \\
        --fee base=10.00 --allowance server-small=24"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan-id>',
                            help='ID of the new plan')
        parser.add_argument('--price-list', metavar='<price-list-id>',
                            required=True, help='The plan\'s price list')
        parser.add_argument('--fee', metavar='<fee-id=amount>',
                            type=text_pair, action='append', dest='fees',
                            help='A recurring fee per billing period, a '
                                 'decimal amount (repeat option for '
                                 'several)')
        parser.add_argument('--allowance', metavar='<price-id=units>',
                            type=text_pair, action='append',
                            dest='allowances',
                            help='Free units of a price per billing '
                                 'period, in the price\'s unit (repeat '
                                 'option for several)')
        parser.add_argument('--description', metavar='<description>',
                            help='Description of the plan')
        return parser

    def take_action(self, parsed_args):
        made = self.client.plans.create(
            parsed_args.plan, parsed_args.price_list,
            fees=[{'id': k, 'amount': v}
                  for k, v in parsed_args.fees or ()],
            allowances=[{'price': k, 'free_units': v}
                        for k, v in parsed_args.allowances or ()],
            description=parsed_args.description)
        return PLAN_FIELDS, common.values(made, PLAN_FIELDS,
                                          PLAN_FORMATTERS)


class ListPlan(common.Command, lister.Lister):
    """List plans."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering plan list"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--limit', metavar='<limit>',
                            type=common.positive_int,
                            help='List at most <limit> plans')
        parser.add_argument('--marker', metavar='<plan-id>',
                            help='List the plans after this one')
        return parser

    def take_action(self, parsed_args):
        return common.rows(self.client.plans.list(
            limit=parsed_args.limit, marker=parsed_args.marker), PLAN_TABLE)


class ShowPlan(common.Command, show.ShowOne):
    """Show a plan."""

    _description = __doc__ + ' Admin or system reader only.'
    _epilog = """Examples::

    openstack metering plan show standard"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan-id>',
                            help='ID of the plan')
        return parser

    def take_action(self, parsed_args):
        found = self.client.plans.get(parsed_args.plan)
        return PLAN_FIELDS, common.values(found, PLAN_FIELDS,
                                          PLAN_FORMATTERS)


class DeletePlan(common.Command, command.Command):
    """Delete a plan that no subscription names."""

    _description = __doc__ + ' Admin only.'
    _epilog = """Examples::

    openstack metering plan delete trial"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', metavar='<plan-id>',
                            help='ID of the plan')
        return parser

    def take_action(self, parsed_args):
        self.client.plans.delete(parsed_args.plan)
