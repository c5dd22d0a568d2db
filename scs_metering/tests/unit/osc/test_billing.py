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
"""The price-list, plan, subscription and rating commands, end to end.

They run in-process against the real API on SQLite, with the worked
example of doc/source/admin/billing.rst; amounts stay decimal strings
from the command line and the files to the API and back.
"""

import json
import os
import shlex
import types

from scs_metering.tests.unit.api import test_billing_rating
from scs_metering.tests.unit.osc import test_commands
from scs_metering.tests.unit.rating import scenario
from scsmeteringclient import exceptions

GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                     'doc', 'source', 'admin', 'billing.rst')


def guide_blocks():
    """(language, text) of every code block of the billing guide."""
    found, block = [], None
    with open(GUIDE) as f:
        for line in f:
            if line.startswith('.. code-block:: '):
                block = [line.split()[-1], []]
                found.append(block)
            elif block is not None and (line.startswith('   ') or
                                        not line.strip()):
                block[1].append(line[3:])
            else:
                block = None
    return [(lang, ''.join(text).strip()) for lang, text in found]


class BillingCommandsTest(test_commands.CommandTestCase):

    def write(self, name, document):
        path = os.path.join(self.tempdir, name)
        with open(path, 'w') as f:
            json.dump(document, f)
        return path

    def test_the_worked_example(self):
        made = dict(zip(*self.run_command(
            'metering price-list create', 'public', '--currency', 'EUR')))
        self.assertEqual(('public', 'EUR'), (made['id'], made['currency']))
        prices = self.write('prices.json', scenario.PRICE_LIST_VERSION)
        # Back-dated: refused without --force and a reason.
        error = self.assertRaises(
            exceptions.BadRequest, self.run_command,
            'metering price-list version create',
            'public', '--prices-file', prices)
        self.assertIn('set force and give a reason', str(error))
        version = dict(zip(*self.run_command(
            'metering price-list version create', 'public', '--prices-file',
            prices, '--force', '--reason', 'entered late')))
        self.assertEqual((1, True, 'entered late'), (
            version['number'], version['forced'], version['force_reason']))
        plan = dict(zip(*self.run_command(
            'metering plan create', 'standard', '--price-list', 'public',
            '--fee', 'base=10.00', '--allowance', 'server-small=24')))
        self.assertEqual([{'id': 'base', 'amount': '10.00'}],
                         plan['fees'].machine_readable())
        sub = dict(zip(*self.run_command(
            'metering subscription create', '--domain', 'd1', '--plan',
            'standard', '--start', '2024-02-10T23:00:00Z', '--anchor-day',
            '1', '--timezone', 'Europe/Berlin', '--customer-ref',
            'CRM-0042', '--id', 'sub-1')))
        self.assertEqual(('d1', 1, 'Europe/Berlin', 'CRM-0042'), (
            sub['domain_id'], sub['anchor_day'], sub['timezone'],
            sub['customer_ref']))
        changed = dict(zip(*self.run_command(
            'metering subscription set', 'sub-1', '--plan-change',
            'standard=2099-01-01T00:00:00Z', '--end', '2100-01-01')))
        self.assertEqual('standard from 2024-02-10T23:00:00Z\n'
                         'standard from 2099-01-01T00:00:00Z',
                         changed['plans'].human_readable())
        self.assertEqual('2100-01-01T00:00:00Z', changed['end'])
        usage = self.write('usage.json', test_billing_rating.quote_usage())
        quote = dict(zip(*self.run_command(
            'metering rating quote', '--plan', 'standard', '--usage-file',
            usage, '--start', '2024-02-10T23:00:00Z', '--anchor-day', '1',
            '--timezone', 'Europe/Berlin')))
        self.assertEqual('50.51', quote['total'])
        self.assertIn('server-large (usage): 111 hour = 10.88',
                      quote['lines'].human_readable())

    def test_amounts_in_files_are_read_as_written(self):
        self.run_command('metering price-list create', 'public',
                         '--currency', 'EUR')
        prices = os.path.join(self.tempdir, 'p.json')
        with open(prices, 'w') as f:
            f.write('{"effective_from": "2099-01-01T00:00:00Z", "prices": '
                    '[{"id": "s", "meter": "instance", "unit": "hour", '
                    '"model": "per_unit", "unit_price": 0.10}]}')
        version = dict(zip(*self.run_command(
            'metering price-list version create', 'public',
            '--prices-file', prices)))
        self.assertEqual('0.10', version['prices'].machine_readable()[0][
            'unit_price'])

    def test_the_guide_commands_as_written(self):
        # The guide's "--project p1" is the token's own project.
        self.app.client_manager.auth_ref = types.SimpleNamespace(
            project_id='p1', project_name='demo')
        blocks = guide_blocks()
        documents = [json.loads(t) for lang, t in blocks if lang == 'json']
        versions = [d for d in documents
                    if isinstance(d, dict) and 'effective_from' in d]
        usage = [d for d in documents
                 if isinstance(d, list) and d and 'meter' in d[0]]
        commands = [shlex.split(line)[2:] for lang, text in blocks
                    if lang == 'console' for line in text.splitlines()
                    if line.startswith('$ openstack metering')]
        self.assertEqual(5, len(commands))
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(self.tempdir)
        self.write('prices.json', versions[0])
        self.write('usage.json', usage[0])
        for argv in commands:
            words = 3 if argv[1] in ('price-list', 'plan', 'subscription',
                                     'rating') else 2
            if argv[1:4] == ['price-list', 'version', 'create']:
                words = 4
            result = dict(zip(*self.run_command(' '.join(argv[:words]),
                                                *argv[words:])))
        self.assertEqual('50.51', result['total'])
        expected = [t for lang, t in blocks if lang == 'text'][0]
        self.assertEqual(expected, result['lines'].human_readable())
        self.assertEqual(['p1'], [s['project_id'] for s in
                                  self.client.subscriptions.list('p1')])
