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
"""openstack metering rule ...: throttling rules, changed on the fly.

A rule is a JSON document (see the throttling guide); ``--file`` gives a
whole one and the options set single fields, so that ``rule set`` can
change a threshold without repeating the rest. Every change is a new
version, used by the engine's evaluator from its next run.
"""

import argparse
import json

from cliff import lister
from cliff import show
from osc_lib.cli import format_columns
from osc_lib import exceptions

from scsmeteringclient.osc import common

FIELDS = ('id', 'version', 'enabled', 'scope', 'metric', 'window',
          'threshold', 'clear_threshold', 'mode', 'actions', 'reason',
          'description', 'created_at', 'created_by')
FORMATTERS = {'scope': format_columns.DictColumn,
              'metric': format_columns.DictColumn,
              'window': format_columns.DictColumn,
              'actions': format_columns.ListDictColumn}
TABLE = (('ID', 'id'), ('Version', 'version'), ('Enabled', 'enabled'),
         ('Mode', 'mode'), ('Threshold', 'threshold'),
         ('Clear Threshold', 'clear_threshold'), ('Reason', 'reason'))
_ABOUT = (' Every change is a new immutable version; the engine\'s '
          'evaluator reads the latest versions at the start of each run, '
          'so the next run decides by it. Admin only.')


def _json(text, what):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError('%s is not JSON: %s' % (what, exc))


def _file(path):
    try:
        with open(path, encoding='utf-8') as f:
            found = json.load(f)
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError('cannot read %s: %s' % (path, exc))
    if not isinstance(found, dict):
        raise argparse.ArgumentTypeError('%s holds no JSON object' % path)
    return found


def scope(text):
    """all, domain:<id>, project:<id>."""
    kind, _sep, ident = text.partition(':')
    if kind == 'all' and not ident:
        return {'type': 'all'}
    if kind in ('domain', 'project') and ident:
        return {'type': kind, 'id': ident}
    raise argparse.ArgumentTypeError(
        'a scope is all, domain:<id> or project:<id>, not %r' % text)


def metric(text):
    """cost:<currency>, quantity:<meter>:<unit>, or a JSON object."""
    if text.startswith('{'):
        return _json(text, 'the metric')
    parts = text.split(':')
    if parts[0] == 'cost' and len(parts) == 2:
        return {'type': 'cost', 'currency': parts[1]}
    if parts[0] == 'quantity' and len(parts) == 3:
        return {'type': 'quantity', 'meter': parts[1], 'unit': parts[2]}
    raise argparse.ArgumentTypeError(
        'a metric is cost:<currency>, quantity:<meter>:<unit> or a JSON '
        'object, not %r' % text)


def window(text):
    """billing_period, lifetime, rolling:<ISO 8601 duration>."""
    kind, _sep, duration = text.partition(':')
    if kind in ('billing_period', 'lifetime') and not duration:
        return {'type': kind}
    if kind == 'rolling' and duration:
        return {'type': kind, 'duration': duration}
    raise argparse.ArgumentTypeError(
        'a window is billing_period, lifetime or rolling:<duration> (such '
        'as rolling:P7D), not %r' % text)


def action(text):
    """<enforcer> or <enforcer>=<JSON parameters>."""
    name, sep, params = text.partition('=')
    found = {'enforcer': name}
    if sep:
        found['params'] = _json(params, 'the parameters of %s' % name)
    return found


class _Write(common.Command, show.ShowOne):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('rule', metavar='<rule-id>', help='ID of the rule')
        parser.add_argument('--file', metavar='<file>', type=_file,
                            help='A whole rule document, in JSON; the '
                                 'options below replace its fields')
        parser.add_argument('--scope', type=scope, metavar='<scope>',
                            help='all, domain:<id> or project:<id>')
        parser.add_argument('--metric', type=metric, metavar='<metric>',
                            help='cost:<currency>, quantity:<meter>:<unit> '
                                 'or a JSON object (with a match)')
        parser.add_argument('--window', type=window, metavar='<window>',
                            help='billing_period, lifetime or '
                                 'rolling:<ISO 8601 duration>')
        parser.add_argument('--threshold', metavar='<decimal>',
                            help='A decision opens at this value')
        parser.add_argument('--clear-threshold', metavar='<decimal>',
                            help='...and closes below this one')
        parser.add_argument('--mode', choices=('observe', 'enforce'),
                            help='observe decides and announces only; '
                                 'enforce also lowers limits')
        parser.add_argument('--action', type=action, action='append',
                            metavar='<enforcer>[=<json>]', dest='actions',
                            help='An action (repeat for more; replaces all '
                                 'actions), such as notify or '
                                 'keystone_limit=\'{"service": "compute", '
                                 '"resource_name": "servers", "value": 0}\'')
        parser.add_argument('--reason', metavar='<reason>',
                            help='Shown to people with each decision')
        parser.add_argument('--description', metavar='<text>',
                            help='For administrators')
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument('--enable', dest='enabled', action='store_true',
                             default=None, help='Decide by this rule')
        enabled.add_argument('--disable', dest='enabled',
                             action='store_false',
                             help='Stop; its decisions close at the next '
                                  'run')
        return parser

    def document(self, parsed_args, base):
        document = dict(base)
        document.update(parsed_args.file or {})
        for name in ('scope', 'metric', 'window', 'threshold',
                     'clear_threshold', 'mode', 'actions', 'reason',
                     'description', 'enabled'):
            value = getattr(parsed_args, name)
            if value is not None:
                document[name] = value
        return document


class CreateRule(_Write):
    """Create a throttling rule."""

    _description = __doc__ + ' The document is checked as a whole; an ' \
        'error names the field at fault.' + _ABOUT
    _epilog = """Examples::

    openstack metering rule create budget --scope all --metric cost:EUR \\
        --window billing_period --threshold 5000 --clear-threshold 4500 \\
        --mode enforce --action notify --action keystone_limit='{"service": \\
        "compute", "resource_name": "servers", "value": 0}' \\
        --reason "The monthly budget of 5,000 EUR is used up\""""

    def take_action(self, parsed_args):
        made = self.client.rules.create(self.document(parsed_args, {}),
                                        parsed_args.rule)
        return FIELDS, common.values(made, FIELDS, FORMATTERS)


class SetRule(_Write):
    """Change a throttling rule: a new version of it."""

    _description = __doc__ + ' The options change single fields of the ' \
        'latest version; the change is refused if another came after it.' \
        + _ABOUT
    _epilog = """Examples::

    openstack metering rule set budget --threshold 6000 \\
        --clear-threshold 5400"""

    def take_action(self, parsed_args):
        latest = self.client.rules.get(parsed_args.rule)
        base = {k: v for k, v in latest.items() if k not in (
            'id', 'version', 'created_at', 'created_by', 'links')}
        made = self.client.rules.update(
            parsed_args.rule, self.document(parsed_args, base),
            expected_version=latest['version'])
        return FIELDS, common.values(made, FIELDS, FORMATTERS)


class ShowRule(common.Command, show.ShowOne):
    """Show the latest version of a throttling rule."""

    _description = __doc__ + ' Admin or system reader.'
    _epilog = """Examples::

    openstack metering rule show budget"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('rule', metavar='<rule-id>', help='ID of the rule')
        parser.add_argument('--version', type=common.positive_int,
                            metavar='<n>', help='An earlier version')
        return parser

    def take_action(self, parsed_args):
        if parsed_args.version is None:
            found = self.client.rules.get(parsed_args.rule)
        else:
            found = {v['version']: v for v in self.client.rules.versions(
                parsed_args.rule)}.get(parsed_args.version)
            if found is None:
                raise exceptions.CommandError(
                    'rule %s has no version %d' % (parsed_args.rule,
                                                   parsed_args.version))
        return FIELDS, common.values(found, FIELDS, FORMATTERS)


class ListRule(common.Command, lister.Lister):
    """List the throttling rules, or the versions of one."""

    _description = __doc__ + ' Admin or system reader.'
    _epilog = """Examples::

    openstack metering rule list
    openstack metering rule list --versions budget"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--versions', metavar='<rule-id>',
                            help='Every version of this rule, oldest first')
        return parser

    def take_action(self, parsed_args):
        found = (self.client.rules.versions(parsed_args.versions)
                 if parsed_args.versions else self.client.rules.list())
        return common.rows(found, TABLE)


class EvaluateRule(common.Command, lister.Lister):
    """What the next run of the evaluator would change (dry run)."""

    _description = __doc__ + (
        ' Runs the evaluator on the usage and costs stored now; nothing is '
        'decided, enforced or announced. With a rule ID, only that rule; '
        'with --file, a draft in its place. Admin only.')
    _epilog = """Examples::

    openstack metering rule evaluate --dry-run
    openstack metering rule evaluate budget --dry-run --file draft.json"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('rule', metavar='<rule-id>', nargs='?',
                            help='Only this rule')
        parser.add_argument('--file', metavar='<file>', type=_file,
                            help='A draft rule document, in JSON')
        parser.add_argument('--dry-run', action='store_true', required=True,
                            help='Required: an evaluation through the API '
                                 'never acts')
        return parser

    def take_action(self, parsed_args):
        result = self.client.rules.evaluate(parsed_args.rule,
                                            parsed_args.file)
        rows = [dict(c['decision'], change=c['kind'])
                for c in result['changes']]
        rows += [dict(f, change='failed', state=None, value=f['reason'])
                 for f in result['failures']]
        return common.rows(rows, (
            ('Change', 'change'), ('Rule', 'rule_id'),
            ('Version', 'version'), ('Project', 'project_id'),
            ('Value', 'value'), ('Unit', 'unit'), ('State', 'state')))
