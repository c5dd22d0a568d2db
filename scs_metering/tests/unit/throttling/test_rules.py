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
"""Rule documents: what is accepted, and errors that name the field."""

import decimal

from scs_metering.tests import base
from scs_metering.tests import throttling as th
from scs_metering.throttling.enforcers import loader
from scs_metering.throttling import errors
from scs_metering.throttling import rules
from scs_metering.throttling import windows


class RuleDocumentTest(base.TestCase):

    def assertRuleError(self, path, document, text=None, **kwargs):
        exc = self.assertRaises(errors.RuleError, rules.parse_rule,
                                document, **kwargs)
        self.assertEqual(path, exc.path, str(exc))
        if text:
            self.assertIn(text, str(exc))
        return exc

    def test_budget_parses_and_round_trips(self):
        rule = th.parse(th.budget(), 'r1', 3)
        self.assertEqual(('r1', 3), (rule.rule_id, rule.version))
        self.assertEqual(decimal.Decimal('100'), rule.threshold)
        self.assertIsInstance(rule.clear_threshold, decimal.Decimal)
        self.assertEqual(('cost', 'EUR'), rule.metric.source)
        self.assertTrue(rule.enabled)
        again = rules.parse_rule(rule.document(), 'r1', 3)
        self.assertEqual(rule, again)

    def test_quantity_metric_with_a_match_and_rolling_window(self):
        rule = th.parse(th.storage_cap(metric={
            'type': 'quantity', 'meter': 'volume.size', 'unit': 'TiB*day',
            'match': {'volume_type': {'not_in': ['archive']}}}))
        self.assertEqual(3600, rule.window.seconds)
        self.assertEqual((1, 2 ** 10 * 86400),
                         rule.metric.factor(th.METER_UNITS))
        self.assertEqual(rule, rules.parse_rule(rule.document(), 'r1', 1))

    def test_clear_threshold_must_be_below_threshold(self):
        self.assertRuleError('clear_threshold',
                             th.budget(threshold='100', clear='100'),
                             'must be below the threshold')

    def test_numbers_are_decimal_strings_never_floats(self):
        self.assertRuleError('threshold', th.budget(threshold=100.5),
                             'decimal string')
        self.assertRuleError('threshold', th.budget(threshold='0'))
        self.assertRuleError('clear_threshold',
                             th.budget(clear='1.0000000000001'),
                             'decimal places')

    def test_errors_name_the_field(self):
        cases = [
            ('scope/type', dict(scope={'type': 'region'})),
            ('scope/id', dict(scope={'type': 'project'})),
            ('metric/currency', dict(metric={'type': 'cost',
                                             'currency': 'EURO'})),
            ('metric/unit', dict(metric={'type': 'quantity',
                                         'meter': 'volume.size',
                                         'unit': 'GiB*month'})),
            ('metric/match', dict(metric={'type': 'cost', 'currency': 'EUR',
                                          'match': {'flavor': 'a'}})),
            ('metric/match/flavor_name/0', dict(metric={
                'type': 'quantity', 'meter': 'instance', 'unit': 'hour',
                'match': {'flavor_name': [1.5]}})),
            ('window/duration', dict(window={'type': 'rolling',
                                             'duration': 'P1M'})),
            ('window/duration', dict(window={'type': 'rolling',
                                             'duration': 'P400D'})),
            ('window/type', dict(window={'type': 'forever'})),
            ('mode', dict(mode='block')),
            ('enabled', dict(enabled='yes')),
            ('actions/1/enforcer', dict(actions=[{'enforcer': 'log'},
                                                 {'params': {}}])),
            ('actions/0/params', dict(actions=[{'enforcer': 'log',
                                                'params': []}])),
            ('actions/1', dict(actions=[{'enforcer': 'log'},
                                        {'enforcer': 'log'}])),
            ('reason', dict(reason='')),
            ('colour', dict(colour='red')),
        ]
        for path, overrides in cases:
            self.assertRuleError(path, th.budget(**overrides))

    def test_meters_check_the_meter_unit_and_attributes(self):
        meters = {m.name: m for m in self.definitions().meters.values()}
        rule = rules.parse_rule(th.storage_cap(), meters=meters)
        self.assertEqual('volume.size', rule.metric.meter)
        self.assertRuleError('metric/meter', th.storage_cap(metric={
            'type': 'quantity', 'meter': 'volume.sise', 'unit': 'GiB*hour'}),
            meters=meters)
        self.assertRuleError('metric/unit', th.storage_cap(metric={
            'type': 'quantity', 'meter': 'volume.size', 'unit': 'hour'}),
            'cannot be converted', meters=meters)
        self.assertRuleError('metric/match/colour', th.storage_cap(metric={
            'type': 'quantity', 'meter': 'volume.size', 'unit': 'GiB*hour',
            'match': {'colour': 'red'}}), meters=meters)

    def test_enforcers_check_their_parameters(self):
        check = loader.Loader(self.conf).check_action
        rule = rules.parse_rule(th.budget(), check_action=check)
        self.assertEqual({'service': 'compute', 'resource_name': 'servers',
                          'value': 0}, rule.actions[0].params)
        cases = [
            ('actions/0/params/value', {'enforcer': 'keystone_limit',
                                        'params': {'service': 'compute',
                                                   'resource_name': 'x',
                                                   'value': -2}}),
            ('actions/0/params/resource_name', {
                'enforcer': 'keystone_limit',
                'params': {'service': 'compute', 'value': 1}}),
            ('actions/0/params/size', {'enforcer': 'cinder_quota',
                                       'params': {'resource': 'volumes',
                                                  'size': 1}}),
            ('actions/0/params/level', {'enforcer': 'log',
                                        'params': {'level': 'info'}}),
            ('actions/0/enforcer', {'enforcer': 'project_disable'}),
            ('actions/0/enforcer', {'enforcer': 'sms'}),
        ]
        for path, action in cases:
            exc = self.assertRuleError(path, th.budget(actions=[action]),
                                       check_action=check)
        self.assertIn('installed: cinder_quota, keystone_limit', str(exc))

    def test_durations(self):
        self.assertEqual(3600, windows.parse_duration('PT1H'))
        self.assertEqual(8 * 86400 + 90,
                         windows.parse_duration('P1W1DT1M30S'))
        for bad in ('P', 'PT', '1H', 'P1Y', 'PT1.5H', 3600, None):
            self.assertRaises(ValueError, windows.parse_duration, bad)
