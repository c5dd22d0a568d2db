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
"""The evaluator: hysteresis, versions, windows, isolation, determinism."""

import dataclasses
import datetime

from scs_metering.tests import base
from scs_metering.tests import throttling as th
from scs_metering.throttling import decisions as dec
from scs_metering.throttling import evaluator
from scs_metering.throttling import snapshot as snapshot_

HOUR = datetime.timedelta(hours=1)


class Runs:
    """Successive evaluations, carrying the active decisions along."""

    def __init__(self):
        self.active = []
        self.history = []

    def __call__(self, rule_versions, values, as_of=th.AS_OF, **kwargs):
        snap = th.snapshot(rule_versions, values, as_of=as_of, **kwargs)
        result = evaluator.evaluate(rule_versions, snap, self.active)
        by_id = {d.id: d for d in self.active}
        for change in result.changes:
            by_id[change.decision.id] = change.decision
            self.history.append(change)
        self.active = [d for d in by_id.values() if d.active]
        return result


def kinds(result):
    return [(c.kind, c.decision.project_id) for c in result.changes]


class EvaluatorTest(base.TestCase):

    def test_hysteresis_opens_at_threshold_and_closes_below_clear(self):
        rule = th.parse(th.budget(threshold='100', clear='90'))
        runs = Runs()
        self.assertEqual([], kinds(runs([rule], {'p1': '99.99'})))
        opened = runs([rule], {'p1': '100'}, as_of=th.AS_OF + HOUR)
        self.assertEqual([('opened', 'p1')], kinds(opened))
        decision = opened.changes[0].decision
        self.assertEqual((dec.OPEN, th.D('100'), 'EUR'),
                         (decision.state, decision.value, decision.unit))
        # In the band between the clear threshold and the threshold, an
        # open decision stays open, however often it runs.
        for value in ('95', '90', '120', '90.00'):
            self.assertEqual([], kinds(runs([rule], {'p1': value})))
        closed = runs([rule], {'p1': '89.99'}, as_of=th.AS_OF + 2 * HOUR)
        self.assertEqual([('closed', 'p1')], kinds(closed))
        self.assertEqual((dec.CLOSED, dec.BELOW_CLEAR, th.D('89.99')),
                         (closed.changes[0].decision.state,
                          closed.changes[0].decision.close_reason,
                          closed.changes[0].decision.closed_value))
        # Closed, the band no longer holds anything: 95 opens nothing.
        self.assertEqual([], kinds(runs([rule], {'p1': '95'})))
        reopened = runs([rule], {'p1': '100'}, as_of=th.AS_OF + 3 * HOUR)
        self.assertNotEqual(decision.dedup_key,
                            reopened.changes[0].decision.dedup_key)

    def test_same_snapshot_same_decisions_in_order(self):
        rule_a = th.parse(th.budget(), 'a')
        rule_b = th.parse(th.budget(threshold='50', clear='10'), 'b')
        values = {'p%02d' % i: str(40 + 10 * i) for i in range(10)}
        snap = th.snapshot([rule_a, rule_b], values)
        first = evaluator.evaluate([rule_b, rule_a], snap, [])
        second = evaluator.evaluate([rule_a, rule_b], snap, [])
        self.assertEqual(first.changes, second.changes)
        keys = [(c.decision.rule_id, c.decision.project_id)
                for c in first.changes]
        self.assertEqual(sorted(keys), keys)
        self.assertEqual(4 + 9, len(keys))
        self.assertEqual(len(keys), len({c.decision.dedup_key
                                         for c in first.changes}))

    def test_rule_change_takes_effect_and_is_recorded(self):
        v1 = th.parse(th.budget(threshold='100', clear='90'), 'r', 1)
        runs = Runs()
        runs([v1], {'p1': '150', 'p2': '95'})
        self.assertEqual(['p1'], [d.project_id for d in runs.active])
        # The admin lowers the threshold: the next run decides by v2, and
        # the decision it keeps open records v2.
        v2 = th.parse(th.budget(threshold='90', clear='80',
                                mode='observe'), 'r', 2)
        result = runs([v1, v2], {'p1': '150', 'p2': '95'})
        self.assertEqual([('updated', 'p1'), ('opened', 'p2')],
                         kinds(result))
        updated, opened = (c.decision for c in result.changes)
        self.assertEqual((1, 2, 'observe', th.D('90')),
                         (updated.opened_version, updated.version,
                          updated.mode, updated.threshold))
        self.assertEqual((2, 2), (opened.opened_version, opened.version))
        self.assertEqual([], kinds(runs([v2], {'p1': '150', 'p2': '95'})))
        # v3 raises the bar again: p2 falls below the new clear threshold.
        v3 = th.parse(th.budget(threshold='200', clear='100'), 'r', 3)
        result = runs([v3], {'p1': '150', 'p2': '95'})
        self.assertEqual([('updated', 'p1'), ('closed', 'p2')],
                         kinds(result))
        self.assertEqual(3, result.changes[1].decision.closed_version)

    def test_disabled_and_deleted_rules_close_their_decisions(self):
        rule = th.parse(th.budget(), 'r', 1)
        other = th.parse(th.budget(), 's', 1)
        runs = Runs()
        runs([rule, other], {'p1': '150'})
        disabled = th.parse(th.budget(enabled=False), 'r', 2)
        result = runs([disabled, other], {'p1': '150'})
        self.assertEqual([('r', dec.RULE_DISABLED, 2)], [
            (c.decision.rule_id, c.decision.close_reason,
             c.decision.closed_version) for c in result.changes])
        # Disabled, it opens nothing either.
        self.assertEqual([], kinds(runs([disabled, other], {'p1': '150'})))
        result = runs([], {'p1': '150'})
        self.assertEqual([('s', dec.RULE_DELETED, 1)], [
            (c.decision.rule_id, c.decision.close_reason,
             c.decision.closed_version) for c in result.changes])

    def test_scope_domain_and_project(self):
        projects = {'p1': 'd1', 'p2': 'd2', 'p3': 'd1'}
        values = {'p1': '500', 'p2': '500', 'p3': '500'}
        domain = th.parse(th.budget(scope={'type': 'domain', 'id': 'd1'}),
                          'd')
        project = th.parse(th.budget(scope={'type': 'project',
                                            'id': 'p2'}), 'p')
        runs = Runs()
        result = runs([domain, project], values, projects=projects)
        self.assertEqual([('d', 'p1'), ('d', 'p3'), ('p', 'p2')], [
            (c.decision.rule_id, c.decision.project_id)
            for c in result.changes])
        self.assertEqual('d1', result.changes[0].decision.domain_id)
        # p3 moves to another domain: its decision closes, out of scope.
        projects['p3'] = 'd2'
        result = runs([domain, project], values, projects=projects)
        self.assertEqual([('p3', dec.OUT_OF_SCOPE)], [
            (c.decision.project_id, c.decision.close_reason)
            for c in result.changes])

    def test_billing_period_follows_the_projects_cycle(self):
        rule = th.parse(th.budget())
        cycles = {'p2': th.cycle(15, 'Europe/Berlin')}
        snap = th.snapshot([rule], {'p1': '150', 'p2': '150'},
                           cycles=cycles)
        needs = snap.needs([rule])
        self.assertEqual(2, len(needs))
        result = evaluator.evaluate([rule], snap, [])
        windows = {c.decision.project_id: (c.decision.window_start,
                                           c.decision.window_end)
                   for c in result.changes}
        self.assertEqual((datetime.datetime(2025, 3, 1, tzinfo=th.UTC),
                          th.AS_OF), windows['p1'])
        # 15 February, midnight in Berlin (CET, UTC+1).
        self.assertEqual((datetime.datetime(2025, 2, 14, 23,
                                            tzinfo=th.UTC), th.AS_OF),
                         windows['p2'])

    def test_new_billing_period_resets_a_budget(self):
        rule = th.parse(th.budget())
        runs = Runs()
        runs([rule], {'p1': '150'})
        # Usage of the new period, so far: none.
        result = runs([rule], {}, projects={'p1': 'default'},
                      as_of=datetime.datetime(2025, 4, 1, tzinfo=th.UTC))
        self.assertEqual([('closed', 'p1')], kinds(result))
        self.assertEqual(th.D('0'), result.changes[0].decision.closed_value)

    def test_quantity_is_compared_exactly_in_the_rules_unit(self):
        rule = th.parse(th.storage_cap(threshold='1', clear='0.5'))
        gib_hour = 3600
        just_below = {'p1': [('volume.size', {}, str(gib_hour - 1))]}
        snap = th.snapshot([rule], just_below)
        self.assertEqual([], evaluator.evaluate([rule], snap, []).changes)
        result = evaluator.evaluate([rule], th.snapshot([rule], {'p1': [
            ('volume.size', {}, '1800'), ('volume.size', {}, '1800')]}), [])
        self.assertEqual(th.D('1'), result.changes[0].decision.value)
        # Shown values are rounded down: 1/3 GiB*hour.
        rule = th.parse(th.storage_cap(threshold='0.1', clear='0.05'))
        result = evaluator.evaluate([rule], th.snapshot([rule], {'p1': [
            ('volume.size', {}, '1200')]}), [])
        self.assertEqual('0.333333333333',
                         str(result.changes[0].decision.value))

    def test_match_and_meter_filter_the_entries(self):
        rule = th.parse(th.budget(metric={
            'type': 'cost', 'currency': 'EUR', 'meter': 'instance',
            'match': {'flavor_name': ['m1.large', 'm1.xlarge']}}))
        entries = [('instance', {'flavor_name': 'm1.large'}, '60'),
                   ('instance', {'flavor_name': 'm1.small'}, '60'),
                   ('volume.size', {'flavor_name': 'm1.large'}, '60'),
                   ('instance', {'flavor_name': 'm1.xlarge'}, '39.99')]
        result = evaluator.evaluate([rule], th.snapshot(
            [rule], {'p1': entries}), [])
        self.assertEqual([], result.changes)
        entries.append(('instance', {'flavor_name': 'm1.xlarge'}, '0.01'))
        result = evaluator.evaluate([rule], th.snapshot(
            [rule], {'p1': entries}), [])
        self.assertEqual(th.D('100.00'), result.changes[0].decision.value)

    def test_lifted_decision_stays_until_below_clear(self):
        rule = th.parse(th.budget())
        runs = Runs()
        runs([rule], {'p1': '150'})
        runs.active = [d.lift(th.AS_OF, 'customer paid') for d in
                       runs.active]
        # Still over the threshold: a lifted decision is not reopened.
        self.assertEqual([], kinds(runs([rule], {'p1': '160'})))
        self.assertEqual([dec.LIFTED], [d.state for d in runs.active])
        result = runs([rule], {'p1': '10'})
        self.assertEqual([('closed', 'p1')], kinds(result))
        self.assertEqual('customer paid',
                         result.changes[0].decision.lift_reason)
        self.assertRaises(ValueError, result.changes[0].decision.lift,
                          th.AS_OF, 'again')

    def test_one_bad_input_does_not_stop_the_others(self):
        good = th.parse(th.budget(), 'good')
        broken = th.parse(th.storage_cap(), 'broken')
        runs = Runs()
        runs([good, broken], {'p1': '150', 'p2': '150'})
        self.assertEqual(2, len(runs.active))
        # The storage cap's totals are missing from the snapshot (a query
        # failed): its rule is reported, its decisions stay as they were.
        snap = th.snapshot([good, broken], {'p1': '150', 'p2': '150',
                                            'p3': [('instance', {}, 1.5)],
                                            'p4': '150'})
        totals = {n: t for n, t in snap.totals.items()
                  if n.kind != 'quantity'}
        result = evaluator.evaluate([good, broken],
                                    snap.with_totals(totals), runs.active)
        self.assertEqual([('good', 'p4')], [
            (c.decision.rule_id, c.decision.project_id)
            for c in result.changes])
        self.assertEqual([('broken', None), ('good', 'p3')], [
            (f.rule_id, f.project_id) for f in result.failures])
        self.assertIn('no volume.size totals', result.failures[0].reason)

    def test_a_meter_whose_unit_changed_fails_its_rules_only(self):
        cap = th.parse(th.storage_cap(threshold='1', clear='0.5'), 'cap')
        good = th.parse(th.budget(), 'good')
        snap = th.snapshot([cap, good], {'p1': '7200'})
        snap = dataclasses.replace(snap, meter_units=dict(
            snap.meter_units, **{'volume.size': 's'}))
        result = evaluator.evaluate([cap, good], snap, [])
        self.assertEqual(['good'], [c.decision.rule_id
                                    for c in result.changes])
        self.assertEqual(['cap'], [f.rule_id for f in result.failures])

    def test_decision_documents_round_trip(self):
        rule = th.parse(th.budget())
        result = evaluator.evaluate([rule], th.snapshot(
            [rule], {'p1': '123.45'}), [])
        decision = result.changes[0].decision
        document = decision.document()
        self.assertEqual('123.45', document['value'])
        self.assertEqual('2025-03-10T12:00:00Z', document['opened_at'])
        self.assertEqual(decision, dec.from_document(document))

    def test_needs_group_projects_by_window(self):
        rules = [th.parse(th.budget(), 'a'), th.parse(th.storage_cap(), 'b'),
                 th.parse(th.budget(enabled=False), 'c')]
        snap = snapshot_.Snapshot(th.AS_OF, {'p1': 'd', 'p2': 'd'},
                                  cycles={'p2': th.cycle(31)})
        needs = snap.needs(rules)
        self.assertEqual({
            ('cost', 'EUR', datetime.datetime(2025, 3, 1, tzinfo=th.UTC)):
                {'p1'},
            ('cost', 'EUR', datetime.datetime(2025, 2, 28, tzinfo=th.UTC)):
                {'p2'},
            ('quantity', 'volume.size', th.AS_OF - HOUR): {'p1', 'p2'}},
            {need[:3]: set(p) for need, p in needs.items()})
