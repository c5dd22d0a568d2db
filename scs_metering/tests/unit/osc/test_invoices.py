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
"""openstack metering invoice ... and rating rerate, through the client."""

import datetime
import os

from scs_metering.publisher.formats import focus
from scs_metering.tests.unit.osc import test_commands
from scs_metering.tests.unit import test_billing_engine as engine
from scsmeteringclient import exceptions

DAY = datetime.timedelta(days=1)


class InvoiceCommandsTest(engine.Scenario, test_commands.CommandTestCase):

    def setUp(self):
        super().setUp()
        self.setup_billing()
        self.usage(engine.FEB + 3 * DAY, 2)
        self.store.close(engine.FEB + 10 * DAY)
        [self.january] = self.biller.run(now=engine.FEB + 10 * DAY)

    def shown(self, name, *argv):
        fields, values = self.run_command(name, *argv)
        return dict(zip(fields, values))

    def test_interim_finalize_list_show(self):
        interim = self.shown('metering invoice interim', '--subscription',
                             'sub-1')
        self.assertEqual(('draft', 'interim', '0.50', 'EUR'), (
            interim['status'], interim['kind'], interim['total'],
            interim['currency']))
        self.assertEqual('Small servers 5 hour: 0.50',
                         interim['lines'].human_readable())
        final = self.shown('metering invoice finalize', interim['id'])
        self.assertEqual('scs-metering-000002', final['number'])
        headers, rows = self.run_command('metering invoice list',
                                         '--all-projects',
                                         '--status', 'finalized')
        self.assertEqual(('ID', 'Number', 'Kind', 'Status'), headers[:4])
        self.assertEqual([('scs-metering-000002', '0.50'),
                          ('scs-metering-000001', '0.00')],
                         [(r[1], r[-1]) for r in rows])
        self.assertEqual([], self.run_command(
            'metering invoice list', '--all-projects',
            '--start', '2024-03-01')[1])
        error = self.assertRaises(
            exceptions.Conflict, self.run_command,
            'metering invoice finalize', interim['id'])
        self.assertIn('a finalized invoice is never changed', str(error))

    def test_download_and_void(self):
        path = os.path.join(self.tempdir, 'january.csv')
        self.run_command('metering invoice download', self.january.id,
                         '--file', path)
        with open(path) as f:
            self.assertEqual(focus.to_csv(focus.invoice_rows(
                self.january.document, 'scs-metering')), f.read())
        self.run_command('metering invoice download', self.january.id,
                         '--format', 'html')
        self.assertIn('<title>Invoice scs-metering-000001</title>',
                      self.app.stdout.getvalue())
        voided = self.shown('metering invoice void', self.january.id,
                            '--reason', 'ticket 4714')
        self.assertEqual(('voided', 'ticket 4714'),
                         (voided['status'], voided['void_reason']))
        replacement = self.shown('metering invoice show',
                                 voided['replaced_by'])
        self.assertEqual(('draft', self.january.id),
                         (replacement['status'], replacement['replaces']))
        self.assertIn('the following arguments are required: --reason',
                      self.usage_error('metering invoice void', 'x'))

    def test_rerate(self):
        headers, rows = self.run_command(
            'metering rating rerate', '--start', '2024-01-01',
            '--end', '2024-02-01', '--subscription', 'sub-1',
            '--reason', 'ticket 4715')
        self.assertEqual(('Subscription', 'Period Start', 'Period End',
                          'Changed', 'Invoice', 'Correction Total'), headers)
        self.assertEqual([('sub-1', '2024-01-01T00:00:00Z', 0,
                           self.january.id, '0.00')],
                         [(r[0], r[1], r[3], r[4], r[5]) for r in rows])
