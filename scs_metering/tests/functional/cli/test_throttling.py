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
"""Rules changed on the fly through the CLI while the evaluator runs.

The engine's throttling worker (engine/workers.Throttling, the thread
the engine starts) runs every second on the API's store; an admin
creates and edits a rule with ``openstack metering rule``, and each run
decides by the latest version, recorded on its decisions. Project
readers see their own decisions only; real Keystone throughout.

Usage (CLITestCase.seed): alpha has run vm-alpha 3 hours and vm-alpha-2
2 hours, beta vm-beta 3 hours, all closed.
"""

import time

from scs_metering.engine import throttling
from scs_metering.engine import workers
from scs_metering.tests.functional.cli import base

RULE = ('--scope', 'all', '--metric', 'quantity:instance:hour', '--window',
        'lifetime', '--mode', 'observe', '--action', 'log', '--reason',
        'Server hours of a trial')


class RuleOnTheFlyTest(base.CLITestCase):

    def setUp(self):
        super().setUp()
        throttler = throttling.Throttler(
            self.api_conf, self.storage, {'instance': 's'}, 'engine-test')
        self.worker = workers.Throttling(throttler, 1)
        self.worker.start()
        self.addCleanup(self.worker.join, 30)
        self.addCleanup(self.worker.stop)

    def decisions(self, user='admin', *args):
        return {d['Project']: d for d in self.json(
            'metering', 'decision', 'list', '--long', *args, user=user)}

    def wait_for(self, check, what):
        """The admin's decisions once ``check(decisions)`` holds.

        The store is polled (each ``openstack`` run takes seconds), then
        the decisions are read through the CLI.
        """
        deadline = time.monotonic() + 60
        while not check({d['project_id']: {
                'State': d['state'], 'Version': d['version']}
                for d in self.storage.decisions()}):
            if time.monotonic() > deadline:
                self.fail('%s: not within 60 s; decisions: %s' % (
                    what, self.storage.decisions()))
            time.sleep(0.2)
        return self.decisions('admin', '--all-projects')

    def test_threshold_edited_through_the_cli(self):
        alpha, beta = self.project('alpha'), self.project('beta')
        made = self.json('metering', 'rule', 'create', 'trial', *RULE,
                         '--threshold', '4', '--clear-threshold', '3')
        self.assertEqual((1, '4'), (made['version'], made['threshold']))
        found = self.wait_for(lambda d: alpha in d, 'alpha opens')
        self.assertEqual(('open', 1, 1, '5', 'hour'), (
            found[alpha]['State'], found[alpha]['Opened Version'],
            found[alpha]['Version'], found[alpha]['Value'],
            found[alpha]['Unit']))
        self.assertNotIn(beta, found)
        # The admin lowers the threshold: beta's 3 hours now reach it.
        edited = self.json('metering', 'rule', 'set', 'trial',
                           '--threshold', '2', '--clear-threshold', '1')
        self.assertEqual((2, '2', 'observe'), (
            edited['version'], edited['threshold'], edited['mode']))
        found = self.wait_for(
            lambda d: beta in d and d[alpha]['Version'] == 2,
            'the next run decides by version 2')
        self.assertEqual((2, 2, '3'), (
            found[beta]['Opened Version'], found[beta]['Version'],
            found[beta]['Value']))
        self.assertEqual((1, 2), (found[alpha]['Opened Version'],
                                  found[alpha]['Version']))
        versions = self.json('metering', 'rule', 'list', '--versions',
                             'trial')
        self.assertEqual([(1, '4'), (2, '2')], [
            (v['Version'], v['Threshold']) for v in versions])
        # Each project's reader sees its own decision, no other.
        self.assertEqual([alpha], list(self.decisions('alpha-reader')))
        self.assertEqual([beta], list(self.decisions('beta-reader')))
        self.openstack('metering', 'decision', 'show',
                       found[beta]['ID'], user='alpha-reader', status=1)
        # The dry run agrees that the next run changes nothing.
        self.assertEqual([], self.json('metering', 'rule', 'evaluate',
                                       '--dry-run'))
        # Lifted by an admin; it stays lifted (5 hours >= clear 1).
        lifted = self.json('metering', 'decision', 'lift',
                           found[alpha]['ID'], '--reason', 'paid')
        self.assertEqual(('lifted', 'paid'), (lifted['state'],
                                              lifted['lift_reason']))
        self.openstack('metering', 'decision', 'lift', found[alpha]['ID'],
                       '--reason', 'again', status=1)
        # Disabled: the next run closes both, by version 3.
        self.json('metering', 'rule', 'set', 'trial', '--disable')
        found = self.wait_for(lambda d: all(
            x['State'] == 'closed' for x in d.values()), 'both close')
        for project in (alpha, beta):
            shown = self.json('metering', 'decision', 'show',
                              found[project]['ID'])
            self.assertEqual((3, 'rule_disabled'), (
                shown['closed_version'], shown['close_reason']))
        status = self.json('metering', 'status')
        self.assertEqual(['success'], [
            run['status'] for run in status['throttling']])
