#!/usr/bin/env python3
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
"""Throttling: seconds to evaluate 20 rules over N projects (the evaluator).

Method: a seeded synthetic snapshot of --projects projects (default
10,000) in 200 domains; 30% of them have a subscription whose billing
cycle differs from the default (anchors 1, 15 and month end, in UTC,
Europe/Berlin and America/New_York), so billing-period rules read
several windows. Each project has entries of three meters (instance by
flavor and state, volume.size by volume type, image.size) and their
rated amounts in EUR, as storage would sum them from the rollups and
rated lines. Twenty rules: budgets per billing period over all projects,
a domain and one project, with and without meter and attribute matches;
storage and compute caps over rolling windows of an hour, a day and a
week, converted to GiB*hour and hour; lifetime trial allowances; two
rules in observe mode.

Two runs are timed, as the periodic evaluator makes them: the first
with no active decision (it opens some), the second with those
decisions active on a snapshot whose values moved (it keeps, updates
and closes some, and opens others), on equal terms with
``snapshot.needs`` for the rules (what storage is asked for) timed
apart. The baseline, in the same process and interleaved with the
evaluator runs, is the least any evaluator must do: for every rule,
sum every entry of every project in its scope, with no matching, window,
threshold or decision. Wall and CPU seconds; medians of --runs runs; the
load average at the end.
"""

import argparse
import dataclasses
import datetime
import decimal
import gc
import random
import statistics
import sys
import time

from scs_metering.rating import money
from scs_metering.rating import periods
from scs_metering.tests import throttling as th
from scs_metering.throttling import evaluator
from scs_metering.throttling import rules
from scs_metering.throttling import snapshot as snapshot_

import _common

D = decimal.Decimal
AS_OF = datetime.datetime(2025, 3, 17, 14, 0, tzinfo=datetime.timezone.utc)
FLAVORS = ('m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge')
VOLUME_TYPES = ('standard', 'ssd', 'archive')
CYCLES = [periods.BillingCycle(a, z) for a in (1, 15, 'month_end')
          for z in ('UTC', 'Europe/Berlin', 'America/New_York')]


def _rule(rule_id, metric, window, threshold, clear, scope=None,
          mode='enforce'):
    return rules.parse_rule({
        'scope': scope or {'type': 'all'}, 'metric': metric,
        'window': window, 'threshold': threshold,
        'clear_threshold': clear, 'mode': mode,
        'actions': [{'enforcer': 'keystone_limit', 'params': {
            'service': 'compute', 'resource_name': 'servers',
            'value': 0}}, {'enforcer': 'notify'}],
        'reason': 'benchmark rule %s' % rule_id}, rule_id, 1)


def twenty_rules(domains, a_project):
    eur = {'type': 'cost', 'currency': 'EUR'}
    period = {'type': 'billing_period'}
    lifetime = {'type': 'lifetime'}

    def rolling(duration):
        return {'type': 'rolling', 'duration': duration}

    def cost(meter, **match):
        return dict(eur, meter=meter, **({'match': match} if match else {}))

    def quantity(meter, unit, **match):
        doc = {'type': 'quantity', 'meter': meter, 'unit': unit}
        if match:
            doc['match'] = match
        return doc

    specs = [
        (eur, period, '500', '450'),
        (eur, period, '1000', '900'),
        (eur, period, '2000', '1800'),
        (cost('instance'), period, '400', '350'),
        (cost('instance', flavor_name=['m1.large', 'm1.xlarge']), period,
         '300', '250'),
        (cost('volume.size', volume_type={'not_in': ['archive']}), period,
         '200', '150'),
        (eur, period, '300', '200', {'type': 'domain', 'id': domains[0]}),
        (eur, period, '300', '200', {'type': 'domain', 'id': domains[1]}),
        (eur, period, '100', '50', {'type': 'domain', 'id': domains[2]}),
        (eur, period, '50', '40', {'type': 'project', 'id': a_project}),
        (quantity('volume.size', 'GiB*hour'), rolling('PT1H'), '11000',
         '10000'),
        (quantity('volume.size', 'TiB*day', volume_type='ssd'),
         rolling('P1D'), '0.45', '0.4'),
        (quantity('instance', 'hour', flavor_name=['m1.xlarge']),
         rolling('P7D'), '450', '400'),
        (quantity('instance', 'hour', state='active'), rolling('P1D'),
         '1500', '1200'),
        (quantity('image.size', 'GiB*hour'), rolling('P7D'), '48',
         '40'),
        (eur, lifetime, '5000', '4500'),
        (cost('instance'), lifetime, '4000', '3500'),
        (eur, period, '700', '600', None, 'observe'),
        (quantity('volume.size', 'GiB*hour'), rolling('P1D'), '10000',
         '9000', None, 'observe'),
        (eur, period, '1500', '1400'),
    ]
    found = []
    for index, spec in enumerate(specs):
        metric, window, threshold, clear = spec[:4]
        scope = spec[4] if len(spec) > 4 else None
        mode = spec[5] if len(spec) > 5 else 'enforce'
        found.append(_rule('rule-%02d' % index, metric, window, threshold,
                           clear, scope, mode))
    return found


def project_entries(rng, scale):
    """Per-attribute sums of one project: (meter, attributes, value)."""
    entries = []
    for flavor in rng.sample(FLAVORS, rng.randint(1, 4)):
        for state in ('active', 'stopped'):
            seconds = rng.randint(0, 20 * 86400)
            entries.append(('instance', {'flavor_name': flavor,
                                         'state': state}, seconds))
    for volume_type in rng.sample(VOLUME_TYPES, rng.randint(1, 2)):
        entries.append(('volume.size', {'volume_type': volume_type},
                        rng.randint(0, 500) * 3600 * 24))
    entries.append(('image.size', {}, rng.randint(0, 50) * 2 ** 30 * 3600))
    # Rated amounts of the same usage, in EUR, 2 decimal places.
    costs = [(m, a, D(rng.randint(0, 6000)).scaleb(-2))
             for m, a, _v in entries]
    quantities = [(m, a, D(int(v * scale))) for m, a, v in entries]
    return quantities, costs


def build(count, seed, scale=1.0):
    rng = random.Random(seed)
    domains = ['domain-%03d' % i for i in range(200)]
    projects = {'project-%05d' % i: domains[i % len(domains)]
                for i in range(count)}
    cycles = {p: rng.choice(CYCLES) for p in projects if rng.random() < 0.3}
    rule_versions = twenty_rules(domains, 'project-00007')
    base = snapshot_.Snapshot(AS_OF, projects, meter_units=th.METER_UNITS,
                              cycles=cycles)
    per_project = {p: project_entries(rng, scale) for p in sorted(projects)}
    totals = {}
    for need, members in base.needs(rule_versions).items():
        index = 1 if need.kind == 'cost' else 0
        totals[need] = {p: [snapshot_.Entry(*e) for e in
                            per_project[p][index]
                            if need.kind == 'cost' or e[0] == need.name]
                        for p in members}
    return rule_versions, base.with_totals(totals)


def baseline(rule_versions, snap):
    """Sum every entry of every project in scope, for every rule."""
    sums = 0
    with money.exact():
        for rule in rule_versions:
            for bounds, members in snap.windows(
                    rule.window, snap.in_scope(rule.scope)).items():
                totals = snap.totals[snapshot_.need_of(rule.metric, bounds)]
                for project in members:
                    total = money.ZERO
                    for entry in totals.get(project, ()):
                        total += entry.value
                    sums += 1
    return sums


def timed(function, *args):
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - started, time.process_time() - cpu


def main(argv):
    parser = argparse.ArgumentParser(prog='throttling',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--projects', type=int, default=10000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--seed', type=int, default=16)
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 1000 projects, one run')
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    results = _common.Results('throttling', args, __doc__)
    if args.quick:
        args.projects, args.runs = 1000, 1
    rule_versions, first = build(args.projects, args.seed)
    _rules, second = build(args.projects, args.seed + 1, scale=1.1)
    # Between the runs an admin edits five rules: their decisions that
    # stay open record the new versions.
    edited = [dataclasses.replace(r, version=2) if i % 4 == 0 else r
              for i, r in enumerate(rule_versions)]
    figures = {k: [] for k in ('needs', 'first', 'second', 'baseline',
                               'first_cpu', 'second_cpu')}
    for _run in range(args.runs):
        _needs, seconds, _cpu = timed(first.needs, rule_versions)
        figures['needs'].append(seconds)
        pairs, seconds, _cpu = timed(baseline, rule_versions, first)
        figures['baseline'].append(seconds)
        opened, seconds, cpu = timed(evaluator.evaluate, rule_versions,
                                     first, [])
        figures['first'].append(seconds)
        figures['first_cpu'].append(cpu)
        active = [c.decision for c in opened.changes]
        again, seconds, cpu = timed(evaluator.evaluate, edited, second,
                                    active)
        figures['second'].append(seconds)
        figures['second_cpu'].append(cpu)
    if opened.failures or again.failures or opened.evaluated != pairs:
        sys.exit('throttling benchmark: wrong result: %d failures, %d of '
                 '%d pairs evaluated' % (len(opened.failures) +
                                         len(again.failures),
                                         opened.evaluated, pairs))
    median = {k: statistics.median(v) for k, v in figures.items()}
    kinds = {}
    for change in again.changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    print('Evaluate %d rules over %d projects (%d rule x project pairs), '
          'median of %d runs:' % (len(rule_versions), args.projects, pairs,
                                  args.runs))
    print('  first run (no active decision): %.2f s, CPU %.2f s, '
          '%.1f us per pair; opened %d' % (
              median['first'], median['first_cpu'],
              median['first_cpu'] / pairs * 1e6, len(opened.changes)))
    print('  second run (%d active, 5 rules edited): %.2f s, CPU %.2f s; '
          '%s' % (len(active), median['second'], median['second_cpu'],
                  ', '.join('%s %d' % item
                            for item in sorted(kinds.items()))))
    print('  baseline (summing the same entries alone): %.2f s, the first '
          'run x%.1f' % (median['baseline'],
                         median['first'] / median['baseline']))
    print('  snapshot.needs (the queries storage is asked for): %.3f s' %
          median['needs'])
    results['rules'] = len(rule_versions)
    results['projects'] = args.projects
    results['pairs'] = pairs
    results['changes'] = {'first': {'opened': len(opened.changes)},
                          'second': dict(kinds, active=len(active))}
    results['figures'] = {
        name: _common.figure(values, 3) for name, values in figures.items()}
    results.write()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
