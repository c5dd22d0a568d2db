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
"""The engine's throttling evaluator on real ingested, rated usage.

Two servers of tests/push.vm_lives cost EUR 0.50 and run 5 hours
(test_billing_engine). Rules are written to storage as the API writes
them; each run reads them at its start. oslo.limit's LimitFixture stands
in for Keystone. ``Scenario`` runs here on SQLite and in the functional
tests on PostgreSQL and MariaDB.
"""

import datetime

from oslo_config import cfg
from oslo_config import fixture as cfg_fixture
from oslo_limit import fixture as limit_fixture
from oslo_limit import opts as limit_opts

from scs_metering.db import api as db_api
from scs_metering.engine import throttling
from scs_metering.tests import base
from scs_metering.tests import throttling as th
from scs_metering.tests.unit import test_billing_engine as billed
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling import errors

NOW = billed.FEB + 3 * billed.HOUR


def cost_rule(threshold='0.40', clear='0.30', **overrides):
    """Lifetime cost, lowering nova's servers to 0."""
    return th.budget(threshold, clear, window={'type': 'lifetime'},
                     actions=[{'enforcer': 'keystone_limit', 'params': {
                         'service': 'compute', 'resource_name': 'servers',
                         'value': 0}}, {'enforcer': 'log'}], **overrides)


def hours_rule(threshold='4', clear='3'):
    """Lifetime server hours, observed only."""
    return th.budget(threshold, clear, window={'type': 'lifetime'},
                     metric={'type': 'quantity', 'meter': 'instance',
                             'unit': 'hour'},
                     mode='observe', actions=[{'enforcer': 'log'}])


class Scenario(billed.Scenario):
    """Needs ``self.connection``."""

    def setup_throttling(self):
        # oslo.limit reads its options from the global configuration.
        limit_opts.register_opts(cfg.CONF)
        self.useFixture(cfg_fixture.Config(cfg.CONF)).config(
            endpoint_id='compute-endpoint', group='oslo_limit')
        self.limits = self.useFixture(limit_fixture.LimitFixture(
            {'servers': 10}, {}))
        self.setup_billing()
        self.usage(billed.JAN + datetime.timedelta(days=14), 2)
        self.store.close(billed.FEB + 2 * billed.HOUR)
        self.biller.run(now=billed.FEB + billed.HOUR / 2)
        self.loader = loader_.Loader(
            self.conf, limits_api=th.FixtureLimits(self.limits))
        self.throttler = throttling.Throttler(
            self.conf, self.connection, {'instance': 's'}, 'engine-1',
            loader=self.loader)

    def servers_limit(self, project_id='p1'):
        return self.limits.projlimits.get(project_id, {}).get('servers')

    def check_run_and_rule_change(self):
        self.setup_throttling()
        c = self.connection
        c.create_rule('budget', cost_rule(), NOW)
        c.create_rule('hours', hours_rule(), NOW)
        report = self.throttler.run(now=NOW)
        self.assertEqual(('success', 2, 0), (
            report['status'], report['opened'], report['closed']))
        budget, hours = sorted(c.decisions(), key=lambda d: d['rule_id'])
        self.assertEqual(('open', '0.5', 'EUR', 1),
                         (budget['state'], budget['value'], budget['unit'],
                          budget['opened_version']))
        self.assertEqual(('5', 'hour', 'observe'),
                         (hours['value'], hours['unit'], hours['mode']))
        self.assertEqual(0, self.servers_limit())
        [record] = [r for r in c.enforcement_records()
                    if r['enforcer'] == 'keystone_limit']
        self.assertEqual(['p1', [budget['id']]],
                         [record['project_id'], record['holders']])
        # Again: nothing new, the limit checked and left alone.
        report = self.throttler.run(now=NOW)
        self.assertEqual((0, 0, 0), (report['opened'], report['updated'],
                                     report['closed']))
        # An admin raises the budget; the next run decides by version 2
        # and records it on the decision it closes.
        c.add_rule_version('budget', cost_rule('1.00', '0.60'), NOW)
        report = self.throttler.run(now=NOW)
        self.assertEqual(1, report['closed'])
        closed = c.decision(budget['id'])
        self.assertEqual(('closed', 2, 'below_clear_threshold', '0.5'), (
            closed['state'], closed['closed_version'],
            closed['close_reason'], closed['closed_value']))
        self.assertIsNone(self.servers_limit())
        self.assertEqual(['log'], [r['enforcer']
                                   for r in c.enforcement_records()])
        [run] = c.throttling_runs()
        self.assertEqual(('engine-1', 'success', 0),
                         (run['evaluator'], run['status'], run['problems']))

    def check_failed_run_decides_nothing(self):
        self.setup_throttling()
        c = self.connection
        c.create_rule('budget', cost_rule(), NOW)
        self.throttler.run(now=NOW)
        [opened] = c.decisions()

        def keystone_down():
            raise errors.EnforcerError('identity GET /v3/projects: HTTP 503')
        self.throttler.reader.domains = keystone_down
        # A domain rule needs Keystone's projects; Keystone is down. The
        # raised budget would close the decision; the run fails first.
        c.add_rule_version('budget', cost_rule(
            '1.00', '0.60', scope={'type': 'domain', 'id': 'd1'}), NOW)
        report = self.throttler.run(now=NOW)
        self.assertEqual('failed', report['status'])
        self.assertIn('HTTP 503', report['error'])
        self.assertEqual([opened], c.decisions())
        self.assertEqual(0, self.servers_limit())
        [run] = c.throttling_runs()
        self.assertEqual(
            ('failed', 'EnforcerError: identity GET /v3/projects: HTTP 503'),
            (run['status'], run['error']))
        stats = db_api.stats_reader(self.conf)()
        self.assertEqual([(('engine-1',), 1)],
                         stats['scs_metering_throttling_run_failed'])
        self.assertEqual([(('open',), 1)],
                         stats['scs_metering_throttling_decisions'])
        # Keystone back: the decision closes by version 2.
        self.throttler.reader.domains = lambda: {'p1': 'd1'}
        self.assertEqual('success', self.throttler.run(now=NOW)['status'])
        self.assertEqual(('closed', 2), (
            c.decision(opened['id'])['state'],
            c.decision(opened['id'])['closed_version']))
        self.assertIsNone(self.servers_limit())


class ThrottlerTest(Scenario, base.DBTestCase):

    def test_run_and_rule_change(self):
        self.check_run_and_rule_change()

    def test_failed_run_decides_nothing(self):
        self.check_failed_run_decides_nothing()
