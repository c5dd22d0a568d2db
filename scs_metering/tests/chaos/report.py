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
"""The report of a resilience run: what each fault did, as measured.

Split from harness.py; ``chaos`` is the harness's ChaosRun after its checks.
"""

import collections
import os

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.tests.chaos import faults as chaos_faults


def outcome(chaos, fault, runs):
    """What one fault did, as measured."""
    f = chaos_faults
    if fault.state != 'done':
        return '%s (%s)' % (fault.state, ', '.join(fault.notes))
    if fault.kind in (f.AGENT_KILL, f.ENGINE_KILL):
        return ('%s killed for good' % fault.detail if fault.permanent
                else 'down %.0f s' % fault.seconds)
    if fault.kind in (f.BROKER_CLOSE, f.BROKER_RESTART):
        return 'consuming again after %.0f s' % fault.seconds
    if fault.kind in (f.BAD_JSON, f.MISSING_FIELD, f.POISON):
        return fault.detail or 'sent'
    during = [r for r in runs if fault.start <= timeutils.from_db(
        r['started_at']) <= fault.ended]
    if fault.kind in f.DATABASE:
        return 'down %.0f s, %d runs not started, %d failed' % (
            fault.seconds, sum(1 for when, _e in chaos.failed_runs
                               if fault.start <= when <= fault.ended),
            sum(1 for r in during if r['status'] == api_models.FAILED))
    if fault.kind == f.API_FAIL:
        mine = [r['status'] for r in during
                if r['resource_type'] == fault.resource_type]
        return '%s: %d runs %s' % (fault.detail, len(mine), ', '.join(
            '%d %s' % (mine.count(s), s) for s in sorted(set(mine))))
    answers = collections.Counter(
        r[2] for r in chaos.receiver.requests[slice(*fault.requests)])
    return '%.0f s, %d requests: %s' % (
        fault.seconds, sum(answers.values()), ', '.join(
            '%d answered %s' % (n, {-2: 'never (timeout)'}.get(a, a))
            for a, n in sorted(answers.items())) or 'none due')


def render(chaos, results, types):
    """The table of faults and outcomes, the checks and their figures."""
    notifier = chaos.sim.notifier
    by_kind = {}
    for fault in chaos.faults:
        by_kind.setdefault(fault.kind, []).append(fault)
    runs = chaos.connection.runs(limit=10 ** 6)
    statuses = {}
    for run in runs:
        statuses[run['status']] = statuses.get(run['status'], 0) + 1
    found = {name: sum(r[name] for r in runs) for name in (
        'missed_creates', 'missed_deletes', 'drift')}
    # The checks of every run first; the RGW traffic check follows.
    loss, _quarantine, delivery, _single, accuracy, untouched = (
        r.figures for r in results[:6])
    rows = [
        ('dropped notifications', len(notifier.dropped),
         'reconciliation found %(missed_creates)d missed creates, '
         '%(missed_deletes)d missed deletes, %(drift)d drifts' % found),
        ('resources notified in full', untouched['resources'],
         '%(moved)d changed by reconciliation' % untouched),
        ('duplicated notifications', len(notifier.duplicated),
         'stored once: %(stored)d events for %(sent)d messages' % loss),
        ('delayed notifications', len(notifier.delayed),
         'stored late; inferred facts kept within their bounds'),
        ('reordered notifications', len(notifier.reordered),
         'stored; results by event time'),
    ]
    for kind in sorted(by_kind):
        played = [f for f in by_kind[kind] if f.state == 'done']
        rows.append((kind, '%d of %d' % (len(played),
                                         len(by_kind[kind])),
                     '; '.join(outcome(chaos, f, runs)
                               for f in by_kind[kind])))
    rows += [
        ('reconciliation runs', len(runs), ', '.join(
            '%d %s' % (n, s) for s, n in sorted(statuses.items())) + (
            ', %d not started (database down)' % len(chaos.failed_runs)
            if chaos.failed_runs else '') + (
            ', %d refused for missing resources rerun by the operator '
            'with the threshold lifted' % len(chaos.operated)
            if chaos.operated else '')),
        ('processes exited on their own', len(chaos.injector.exits),
         ', '.join('%s: %s at %s' % (os.path.basename(os.path.dirname(
             log)), code, when) for when, log, code in
             chaos.injector.exits) or 'none'),
        ('sink', delivery['requests'],
         '%(records)d revisions, %(failed_attempts)d failed attempts, '
         '%(resent)d resent under the same id' % delivery),
        ('usage windows', accuracy['project_windows'],
         '%(exact)d exact, %(within_bound)d within the bound '
         '(%(differing_resource_windows)d of %(resource_windows)d '
         'resource windows differ)' % accuracy),
    ]
    width = max(len(r[0]) for r in rows)
    lines = ['', 'Resilience run %s, seed %d: %d resources, %s '
             'simulated days' % (
                 chaos.profile.name, chaos.seed,
                 sum(len(chaos.sim.cloud.all(t)) for t in types),
                 chaos.profile.days),
             '%-*s  %9s  %s' % (width, 'fault', 'injected', 'outcome'),
             '-' * (width + 60)]
    lines += ['%-*s  %9s  %s' % (width, name, count, outcome)
              for name, count, outcome in rows]
    lines += ['', 'checks:'] + ['  %s' % r for r in results]
    lines += ['', 'figures:'] + ['  %s: %s' % (r.name, r.figures)
                                 for r in results]
    lines += [d for r in results for d in r.details]
    lines += ['', 'wall time (s): ' + ', '.join(
        '%s %.0f' % item for item in chaos.timings.items())]
    return '\n'.join(lines) + '\n'
