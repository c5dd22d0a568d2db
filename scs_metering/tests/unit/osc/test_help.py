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
"""Every metering command has help a new user can read, with examples."""

import importlib.metadata

import fixtures

from scs_metering.tests import base
from scsmeteringclient.osc.v1 import overview

COMMANDS = {
    'metering',
    'metering sink create', 'metering sink list', 'metering sink show',
    'metering sink set', 'metering sink unset', 'metering sink delete',
    'metering sink pause', 'metering sink resume', 'metering sink replay',
    'metering sink status', 'metering sink dead-letter list',
    'metering sink dead-letter retry', 'metering usage show',
    'metering resource list', 'metering resource show', 'metering status',
    'metering correction void', 'metering correction end',
    'metering correction start', 'metering correction remeter',
    'metering correction list', 'metering correction show',
    'metering price-list create', 'metering price-list list',
    'metering price-list show', 'metering price-list version create',
    'metering price-list version list', 'metering price-list version show',
    'metering plan create', 'metering plan list', 'metering plan show',
    'metering plan delete', 'metering subscription create',
    'metering subscription list', 'metering subscription show',
    'metering subscription set', 'metering rating show',
    'metering rating quote',
    'metering invoice list', 'metering invoice show',
    'metering invoice interim', 'metering invoice finalize',
    'metering invoice void', 'metering invoice download',
    'metering rating rerate',
    'metering quarantine list', 'metering quarantine show',
    'metering quarantine retry',
    'metering rule create', 'metering rule set', 'metering rule show',
    'metering rule list', 'metering rule evaluate',
    'metering decision list', 'metering decision show',
    'metering decision lift',
}


def commands():
    """Name -> command class, as OpenStackClient finds them."""
    return {entry.name.replace('_', ' '): entry.load()
            for entry in importlib.metadata.entry_points(
                group=overview.GROUP)}


class HelpTest(base.TestCase):

    def setUp(self):
        super().setUp()
        # Help is laid out for the terminal's width; 80 columns here.
        self.useFixture(fixtures.EnvironmentVariable('COLUMNS', '80'))

    def parser(self, name):
        return commands()[name](None, None).get_parser('openstack ' + name)

    def test_every_command_is_registered(self):
        self.assertEqual(COMMANDS, set(commands()))
        plugins = {e.name: e.value for e in importlib.metadata.entry_points(
            group='openstack.cli.extension')}
        self.assertEqual('scsmeteringclient.osc.plugin', plugins['metering'])

    def test_every_command_and_option_is_explained(self):
        for name in sorted(COMMANDS):
            parser = self.parser(name)
            self.assertGreater(len(parser.description), 20, name)
            self.assertIn('openstack %s' % name.split(' <')[0]
                          if name != 'metering' else 'openstack metering',
                          parser.epilog, name)
            for action in parser._actions:
                self.assertTrue(action.help, '%s %s' % (
                    name, action.option_strings or action.dest))
            # After the usage, which cliff's output options make long.
            text = parser.format_help().split('\n\n', 1)[1]
            for line in text.splitlines():
                self.assertLessEqual(len(line), 80, '%s: %r' % (name, line))

    def test_examples_are_laid_out_as_written(self):
        text = self.parser('metering sink create').format_help()
        self.assertIn('\nExamples:\n\n    # A webhook; requests are signed '
                      'with the HMAC key in ./hmac.key\n    openstack '
                      'metering sink create billing --driver https \\\n'
                      '        --url https://billing.example.com/usage \\\n',
                      text)
        # Paragraphs are filled to the width, and kept apart.
        self.assertIn('\nCreate a sink: a destination that receives usage '
                      'records.\n\nA sink is a destination', text)

    def test_overview_lists_every_command(self):
        text = self.parser('metering').format_help()
        for name in COMMANDS - {'metering'}:
            summary = (commands()[name].__doc__ or '').splitlines()[0]
            self.assertIn('    openstack %s\n        %s\n' % (name, summary),
                          text)
