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
"""Decisions enforced in Keystone unified limits, as nova then sees them.

oslo.limit's LimitFixture stands in for Keystone: the keystone_limit
enforcer writes into its limits (tests/throttling.FixtureLimits), and
oslo.limit's Enforcer, called as nova calls it with a usage callback,
reads them. Notifications go through oslo.messaging's ``log`` driver.
"""

import json
import logging

import fixtures
from oslo_config import cfg
from oslo_config import fixture as cfg_fixture
from oslo_limit import exception as limit_exc
from oslo_limit import fixture as limit_fixture
from oslo_limit import limit

from scs_metering.tests import base
from scs_metering.tests import throttling as th
from scs_metering.throttling import decisions as dec
from scs_metering.throttling import enforcement
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling import runner

KEYSTONE_LIMIT = {'enforcer': 'keystone_limit',
                  'params': {'service': 'compute',
                             'resource_name': 'servers', 'value': 0}}


class EnforcementTest(base.TestCase):

    def setUp(self):
        super().setUp()
        # oslo.limit reads its own options from the global configuration,
        # as it does in nova.
        self.useFixture(cfg_fixture.Config(cfg.CONF)).config(
            endpoint_id='compute-endpoint', group='oslo_limit')
        self.limits = self.useFixture(limit_fixture.LimitFixture(
            {'servers': 10}, {'p2': {'servers': 20}}))
        self.api = th.FixtureLimits(self.limits)
        self.config(transport_url='fake:/')
        self.config(group='oslo_messaging_notifications', driver=['log'])
        self.bus = self.useFixture(fixtures.FakeLogger(
            name='oslo.messaging.notification', level=logging.INFO,
            format='%(message)s'))
        self.loader = loader_.Loader(self.conf, limits_api=self.api)
        self.throttle = th.Throttle(self.loader)
        self.run_once = self.throttle

    @property
    def active(self):
        return self.throttle.active

    @property
    def records(self):
        return self.throttle.records

    def notifications(self):
        return [(m['event_type'], m['payload']['dedup_key'])
                for m in map(json.loads, self.bus.output.splitlines())]

    def nova_allows(self, project_id, servers):
        """Whether nova, counting ``servers``, would create one more."""
        enforcer = limit.Enforcer(
            lambda project, names: {n: servers for n in names})
        try:
            enforcer.enforce(project_id, {'servers': 1})
        except limit_exc.ProjectOverLimit:
            return False
        return True

    def test_budget_blocks_creates_until_below_clear(self):
        rule = th.parse(th.budget(threshold='100', clear='90'))
        self.assertTrue(self.nova_allows('p1', 3))
        done = self.run_once([rule], {'p1': '150', 'p3': '10'})
        self.assertEqual([], done.problems)
        self.assertEqual({'servers': 0}, self.limits.projlimits['p1'])
        self.assertFalse(self.nova_allows('p1', 3))
        self.assertTrue(self.nova_allows('p3', 3))
        key = done.decisions[self.active[0].id].dedup_key
        self.assertEqual([('metering.decision.opened', key)],
                         self.notifications())
        record = self.records[enforcement.Key('keystone_limit', 'p1',
                                              'compute//servers')]
        self.assertEqual(({'limit': None}, {'limit': 0}),
                         (record.prior, record.applied))
        # Runs over and in the band change nothing, and say nothing more.
        for value in ('160', '95', '90'):
            self.run_once([rule], {'p1': value})
        self.assertEqual(1, len(self.api.writes))
        self.assertEqual(1, len(self.notifications()))
        self.assertFalse(self.nova_allows('p1', 3))
        done = self.run_once([rule], {'p1': '89'})
        # No project limit before: the one set is deleted, and the
        # registered default of 10 applies again.
        self.assertEqual({}, self.limits.projlimits['p1'])
        self.assertTrue(self.nova_allows('p1', 3))
        self.assertFalse(self.nova_allows('p1', 10))
        self.assertEqual([('metering.decision.opened', key),
                          ('metering.decision.closed', key)],
                         self.notifications())
        self.assertEqual({}, self.records)
        self.assertEqual([], self.active)

    def test_revert_restores_a_project_limit_exactly(self):
        rule = th.parse(th.budget())
        self.run_once([rule], {'p2': '150'})
        self.assertEqual({'servers': 0}, self.limits.projlimits['p2'])
        self.assertFalse(self.nova_allows('p2', 15))
        self.run_once([rule], {'p2': '0'})
        self.assertEqual({'servers': 20}, self.limits.projlimits['p2'])
        self.assertTrue(self.nova_allows('p2', 15))
        # Keystone ignores a PATCH to 0: the limit is replaced.
        self.assertEqual([('delete', 'p2/servers'),
                          ('create', 'p2', 'servers', 0),
                          ('update', 'p2/servers', 20)], self.api.writes)

    def test_a_goal_never_loosens_a_limit(self):
        rule = th.parse(th.budget(actions=[dict(
            KEYSTONE_LIMIT, params=dict(KEYSTONE_LIMIT['params'],
                                        value=30))]))
        self.run_once([rule], {'p1': '150', 'p2': '150'})
        self.run_once([rule], {'p1': '0', 'p2': '0'})
        self.assertEqual([], self.api.writes)
        self.assertEqual({'servers': 20}, self.limits.projlimits['p2'])

    def test_applying_twice_makes_one_change(self):
        enforcer = self.loader.get('keystone_limit')
        params = KEYSTONE_LIMIT['params']
        first = enforcer.apply('p2', params)
        writes = list(self.api.writes)
        second = enforcer.apply('p2', params, prior=first.prior)
        self.assertEqual((True, False), (first.changed, second.changed))
        self.assertEqual(({'limit': 20}, {'limit': 20}),
                         (first.prior, second.prior))
        self.assertEqual(writes, self.api.writes)
        self.assertTrue(enforcer.revert('p2', params, first.prior))
        self.assertFalse(enforcer.revert('p2', params, first.prior))
        self.assertEqual(writes + [('update', 'p2/servers', 20)],
                         self.api.writes)
        self.assertEqual({'servers': 20}, self.limits.projlimits['p2'])

    def test_prior_is_remembered_before_the_write(self):
        seen = []

        def remember(record):
            seen.append((record.prior, record.applied,
                         list(self.api.writes)))

        rule = th.parse(th.budget(actions=[KEYSTONE_LIMIT]))
        snap = th.snapshot([rule], {'p2': '150'})
        runner.run([rule], snap, [], [], self.loader, remember=remember)
        self.assertEqual([({'limit': 20}, None, [])], seen)
        self.assertEqual(2, len(self.api.writes))

    def test_a_hand_change_is_repaired_while_open(self):
        rule = th.parse(th.budget())
        self.run_once([rule], {'p1': '150'})
        self.limits.projlimits['p1']['servers'] = 50
        done = self.run_once([rule], {'p1': '150'})
        self.assertIn((enforcement.REPAIRED, enforcement.CHECK,
                       enforcement.Key('keystone_limit', 'p1',
                                       'compute//servers')),
                      done.outcome.events)
        self.assertEqual({'servers': 0}, self.limits.projlimits['p1'])
        self.run_once([rule], {'p1': '0'})
        self.assertEqual({}, self.limits.projlimits['p1'])

    def test_a_lifted_decision_is_no_longer_enforced(self):
        rule = th.parse(th.budget())
        self.run_once([rule], {'p1': '150'})
        self.throttle.active = [d.lift(self.throttle.as_of, 'paid by bank '
                                       'transfer') for d in self.active]
        self.run_once([rule], {'p1': '150'})
        self.assertEqual({}, self.limits.projlimits['p1'])
        self.assertTrue(self.nova_allows('p1', 3))
        self.assertEqual([dec.LIFTED], [d.state for d in self.active])
        # The opening was announced once; the closing comes when the
        # decision ends.
        self.assertEqual(['metering.decision.opened'],
                         [e for e, _k in self.notifications()])
        self.run_once([rule], {'p1': '5'})
        self.assertEqual(['metering.decision.opened',
                          'metering.decision.closed'],
                         [e for e, _k in self.notifications()])
        self.assertEqual([], self.active)

    def test_observe_mode_announces_and_enforces_nothing(self):
        rule = th.parse(th.budget(mode='observe'), 'r', 1)
        self.run_once([rule], {'p1': '150'})
        self.assertEqual([], self.api.writes)
        self.assertEqual(1, len(self.notifications()))
        # The admin switches it to enforce: the next run enforces, and
        # the decision records the version that does.
        enforce = th.parse(th.budget(), 'r', 2)
        self.run_once([rule, enforce], {'p1': '150'})
        self.assertEqual({'servers': 0}, self.limits.projlimits['p1'])
        self.assertEqual([(1, 2, 'enforce')], [
            (d.opened_version, d.version, d.mode) for d in self.active])
        self.assertEqual(1, len(self.notifications()))
        # And back to observe: the limit comes back, the decision stays.
        observe = th.parse(th.budget(mode='observe'), 'r', 3)
        self.run_once([observe], {'p1': '150'})
        self.assertEqual({}, self.limits.projlimits['p1'])
        self.assertEqual([3], [d.version for d in self.active])

    def test_the_strictest_of_two_decisions_holds_a_target(self):
        loose = th.parse(th.budget(threshold='100', clear='90', actions=[
            dict(KEYSTONE_LIMIT, params=dict(KEYSTONE_LIMIT['params'],
                                             value=5))]), 'loose')
        strict = th.parse(th.budget(threshold='200', clear='150',
                                    actions=[KEYSTONE_LIMIT]), 'strict')
        self.run_once([loose, strict], {'p2': '120'})
        self.assertEqual({'servers': 5}, self.limits.projlimits['p2'])
        self.run_once([loose, strict], {'p2': '250'})
        self.assertEqual({'servers': 0}, self.limits.projlimits['p2'])
        self.run_once([loose, strict], {'p2': '140'})
        self.assertEqual({'servers': 5}, self.limits.projlimits['p2'])
        self.run_once([loose, strict], {'p2': '10'})
        # The prior found by the first apply, before either of them.
        self.assertEqual({'servers': 20}, self.limits.projlimits['p2'])

    def test_disabling_a_rule_reverts_its_enforcement(self):
        self.run_once([th.parse(th.budget(), 'r', 1)], {'p1': '150'})
        self.run_once([th.parse(th.budget(enabled=False), 'r', 2)],
                      {'p1': '150'})
        self.assertEqual({}, self.limits.projlimits['p1'])
        self.assertEqual(['metering.decision.opened',
                          'metering.decision.closed'],
                         [e for e, _k in self.notifications()])

    def test_a_failed_evaluation_keeps_enforcement_as_it_is(self):
        rule = th.parse(th.budget(), 'r', 1)
        self.run_once([rule], {'p1': '150'})
        newer = th.parse(th.budget(threshold='1000', clear='900'), 'r', 2)
        snap = th.snapshot([newer], {'p1': '0'}).with_totals({})
        done = runner.run([newer], snap, self.active,
                          self.records.values(), self.loader)
        self.assertEqual(['r'], [f.rule_id
                                 for f in done.evaluation.failures])
        self.assertEqual([], done.evaluation.changes)
        # Both targets, the limit and the announcement, are only checked.
        self.assertEqual([(enforcement.UNCHANGED, enforcement.CHECK)] * 2,
                         [e[:2] for e in done.outcome.events])
        self.assertEqual({'servers': 0}, self.limits.projlimits['p1'])

    def test_one_failing_action_does_not_stop_the_others(self):
        rule = th.parse(th.budget(actions=[
            dict(KEYSTONE_LIMIT, params=dict(KEYSTONE_LIMIT['params'],
                                             resource_name='cores')),
            KEYSTONE_LIMIT, {'enforcer': 'notify'},
            {'enforcer': 'project_disable'}]))
        done = self.run_once([rule], {'p1': '150'})
        self.assertEqual({'servers': 0}, self.limits.projlimits['p1'])
        self.assertEqual(1, len(self.notifications()))
        problems = sorted((p.retry, p.reason) for p in done.problems)
        self.assertEqual(2, len(problems))
        self.assertIn('no registered limit of compute cores',
                      problems[0][1])
        self.assertIn("enforcer 'project_disable' is disabled",
                      problems[1][1])
        # The failed target is tried again at the next run.
        self.limits.reglimits['cores'] = 20
        done = self.run_once([rule], {'p1': '150'})
        self.assertEqual({'servers': 0, 'cores': 0},
                         self.limits.projlimits['p1'])
