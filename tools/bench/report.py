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
"""Write the benchmarks page's tables from the benchmarks' JSON results.

    report.py [DIRECTORY]

For each ``<name>.json`` of DIRECTORY (default doc/source/reference/bench)
it writes ``<name>.inc``, the reStructuredText that
doc/source/reference/benchmarks.rst includes, and ``targets.inc``, issue
18's targets against the figures. The tables are never edited by hand:
run the benchmarks, then this.
"""

import json
import os
import sys

import _common


def table(header, rows):
    lines = ['.. list-table::', '   :header-rows: 1', '']
    for row in [header] + rows:
        for n, cell in enumerate(row):
            lines.append('   %s %s' % ('* -' if n == 0 else '  -', cell))
    return '\n'.join(lines) + '\n'


def runs(found, unit='', digits=0):
    """"median (run, run, run)" of a figure."""
    if not found:
        return 'n/a'
    text = '%.*f%s' % (digits, found['median'], unit)
    if len(found['runs']) > 1:
        text += ' (%s)' % ', '.join('%.*f' % (digits, v)
                                    for v in found['runs'])
    return text


def conditions(data):
    machine = data['machine']
    return ('Run of %s%s: %d CPUs (%s), Python %s; load average %s at the '
            'start, %s at the end.\n' % (
                data['date'], ' (--quick)' if data['quick'] else '',
                machine['cpus'], machine['cpu_model'] or 'unknown',
                machine['python'],
                ' / '.join('%.1f' % v for v in data['loadavg_start']),
                ' / '.join('%.1f' % v for v in data['loadavg_end'])))


def ingest(data):
    mix, figures = data['mix'], data['figures']
    text = [conditions(data), '\n', (
        'The mix: %d notifications (%s) about %d resources of %d projects '
        'and %d flavors; %d out of order (%d of them behind a later message '
        'about the same resource), %d duplicates; %d distinct events.\n\n'
        % (mix['notifications'], ', '.join(
            '%s %d' % i for i in sorted(mix['services'].items())),
           mix['resources'], mix['projects'], mix['flavors'],
           mix['out_of_order'], mix['out_of_order_per_resource'],
           mix['duplicates'], mix['events']))]
    if 'ceilometer' in data:
        text.append('Ceilometer %s (oslo.messaging %s in its virtualenv).'
                    '\n\n' % (data['ceilometer']['ceilometer'],
                              data['ceilometer']['oslo.messaging']))
    base = figures['baseline']['rate']['median']
    rows = []
    labels = (('baseline', 'Bare listener, acknowledges only'),
              ('pipeline', 'scs-metering: agent + engine, PostgreSQL'),
              ('ceilometer', 'Ceilometer notification agent, 2 workers'))
    for kind, label in labels:
        found = figures.get(kind)
        if not found:
            continue
        cpu = found['cpu_us']
        own = [g for g in ('listener', 'agent', 'engine', 'ceilometer')
               if g in cpu]
        rows.append([
            label, runs(found['rate']),
            '%.2f' % (found['rate']['median'] / base),
            ', '.join('%s %d' % (g, cpu[g]['median']) for g in own),
            '%d' % sum(cpu[g]['median'] for g in own),
            '%d' % cpu['postgresql']['median'] if 'postgresql' in cpu
            else '-',
            '%d' % cpu['rabbitmq']['median'],
            '%d' % cpu['publisher']['median']])
    text.append(table(['Consumer', 'Notifications/s, median (runs)',
                       'Ratio to baseline', 'CPU us/notification',
                       'Its processes, total', 'PostgreSQL backends',
                       'RabbitMQ node', 'Publisher'], rows))
    profiled = data.get('profiled')
    if profiled:
        text.append('\nProfiles, from a separate run of a mix of the same '
                    'kind with %d notifications (``--profile``; %s).\n' % (
                        profiled['mix']['notifications'],
                        conditions(profiled)[7:-2]))
    for name, found in sorted((profiled or {}).get('profile', {}).items()):
        text.append('\nThe %s worker (py-spy, %d samples, about %d us per '
                    'notification): scs-metering\'s functions, share of the '
                    'samples with the function anywhere on the stack; and '
                    'the functions at the top of the stack.\n\n' % (
                        name, found['samples'],
                        found['us_per_notification']))
        text.append(table(['scs-metering function', 'Share'], [
            ['``%s``' % frame, '%.1f%%' % share]
            for frame, share in found['inclusive'][:12]]))
        text.append('\n')
        text.append(table(['At the top of the stack', 'Share'], [
            ['``%s``' % frame, '%.1f%%' % share]
            for frame, share in found['alone'][:10]]))
    return ''.join(text)


def windows(data):
    rows = []
    for backend, found in sorted(data['figures'].items()):
        rows.append([
            backend, runs(found['seconds'], ' s', 1),
            runs(found['cpu_seconds'], ' s', 1),
            '%d' % found['cpu_us_per_record']['median'],
            '%s (CPU %s)' % (runs(found['baseline_seconds'], ' s', 1),
                             runs(found['baseline_cpu_seconds'], ' s', 1)),
            'x%.1f (CPU x%.1f)' % (
                found['seconds']['median'] /
                max(found['baseline_seconds']['median'], 0.01),
                found['cpu_seconds']['median'] /
                max(found['baseline_cpu_seconds']['median'], 0.01)),
            _python_path(found),
            '%d (%d)' % (found['peak_rss_mib']['median'],
                         found['baseline_peak_rss_mib']['median']),
            ', '.join('%.1f' % v for v in found['loadavg'])])
    return conditions(data) + '\n' + table(
        ['Database', 'Close %d servers, median (runs)' % data['servers'],
         'CPU of the closer', 'CPU us/record', 'Reading alone (baseline)',
         'Ratio', 'All in Python (baseline): time, CPU, closer faster by',
         'Peak RSS MiB (reading alone)',
         'Load average after each run (closer, reading, all in Python)'],
        rows)


def _python_path(found):
    """The closer without its set-wise path, and how much faster it is."""
    python = found.get('python_seconds')
    if python is None:
        return '-'
    cpu = found['python_cpu_seconds']
    return '%s, CPU %s; x%.1f (CPU x%.1f)' % (
        runs(python, ' s', 1), runs(cpu, ' s', 1),
        python['median'] / max(found['seconds']['median'], 0.01),
        cpu['median'] / max(found['cpu_seconds']['median'], 0.01))


def reconcile(data):
    rows = []
    for count, found in sorted(data['figures'].items(),
                               key=lambda i: int(i[0])):
        rows.append([
            '{:,}'.format(int(count)), runs(found['seconds'], ' s', 1),
            runs(found['cpu_seconds'], ' s', 1),
            '%d' % found['cpu_us_per_server']['median'],
            '%s (CPU %s)' % (runs(found['baseline_seconds'], ' s', 1),
                             runs(found['baseline_cpu_seconds'], ' s', 1)),
            '%d (%d)' % (found['peak_rss_mib']['median'],
                         found['baseline_peak_rss_mib']['median']),
            ', '.join('%.1f' % v for v in found['loadavg'])])
    return conditions(data) + '\nDatabase: %s.\n\n' % data['backend'] + \
        table(['Servers', 'Reconcile, wall', 'CPU', 'CPU us/server',
               'Listing alone (baseline)', 'Peak RSS MiB (listing alone)',
               'Load average after each run (reconcile runs, then listing)'],
              rows)


def api(data):
    rows = []
    names = (('version', 'GET / (baseline)'), ('month', 'whole month'),
             ('cut', 'month cut at odd hours'))
    for backend, found in sorted(data['figures'].items()):
        for key, label in names:
            one = found[key]
            cpu = one['cpu_us_per_request']
            rows.append(['%s, %s' % (backend, label),
                         '%.1f ms' % one['p50_ms'], '%.1f ms' % one['p99_ms'],
                         '%.1f ms' % one['max_ms'], '%d' % one['requests'],
                         ', '.join('%s %d' % (g, cpu[g])
                                   for g in sorted(cpu)),
                         '%.1f' % one['loadavg']])
    text = conditions(data) + '\n%d client processes, %d servers over %d ' \
        'days.\n\n' % (data['clients'], data['resources'], data['days'])
    text += table(['Database, request', 'p50', 'p99', 'max', 'Requests',
                   'CPU us/request', 'Load average'], rows)
    text += '\nBaseline, the month summed in Python from the window ' \
        'rollup rows: %s.\n' % ', '.join(
            '%s %.0f ms' % (b, f['rollup_windows_ms'])
            for b, f in sorted(data['figures'].items()))
    return text


def push(data):
    rows = []
    for key, found in data['figures'].items():
        if key.startswith('outage'):
            continue
        driver, size = key.split('-')
        rows.append(['%s, %s' % (driver, size), runs(found['rate']),
                     'x%.1f' % found['ratio'],
                     '%d' % found['cpu_us_per_record']['median'],
                     '%d' % found['sink_cpu_us_per_record']['median']
                     if 'sink_cpu_us_per_record' in found else '-'])
    text = conditions(data) + '\n%d records per sink, %s.\n\n' % (
        data['records'], data['database'])
    text += table(['Sink, batch', 'Records/s, median (runs)',
                   'Ratio to batch 1', 'Deliverer CPU us/record',
                   'Webhook CPU us/record'], rows)
    rows = [['%s' % key.split('-')[1], runs(found['rate']),
             'x%.1f' % found['ratio'],
             runs(found['first_delivery_seconds'], ' s', 2)]
            for key, found in data['figures'].items()
            if key.startswith('outage')]
    text += '\nBacklog drain after an outage, http, batches of 500:\n\n'
    text += table(['Concurrency', 'Records/s, median (runs)', 'Ratio',
                   'First delivery after recovery'], rows)
    return text


def meters(data):
    rows = [[key.replace('/', ', '), runs(found['rate']),
             '%.1f' % found['cpu_us'], 'x%.2f' % found['ratio']]
            for key, found in data['figures'].items()]
    text = conditions(data) + '\n' + table(
        ['Definitions, stream', 'Notifications/s, median (runs)',
         'CPU us/notification', 'Ratio to nova, nova'], rows)
    text += '\nFirst sight of the %d event types: %s. Loading and ' \
        'validating the shipped files and %d more definitions: %.2f s.\n' % (
            data['event_types'], ', '.join(
                '%s %.2f ms' % i for i in data['first_sight_ms'].items()),
            data['extra'], data['load_seconds'])
    return text


def targets(found):
    """Issue 18's targets against the figures, where they were measured."""
    rows = []
    ingest_ = found.get('ingest')
    if ingest_:
        pipe = ingest_['figures']['pipeline']
        cpu = {g: v['median'] for g, v in pipe['cpu_us'].items()}
        total = cpu['agent'] + cpu['engine'] + cpu['postgresql']
        rows.append(['Ingest CPU, total <= 300 us/notification (agent <= '
                     '180, engine <= 100)',
                     '%d (agent %d, engine %d, PostgreSQL %d)' % (
                         total, cpu['agent'], cpu['engine'],
                         cpu['postgresql']),
                     'yes' if total <= 300 and cpu['agent'] <= 180 and
                     cpu['engine'] <= 100 else 'no'])
        anchor = ingest_['figures'].get('ceilometer')
        if anchor:
            ratio = pipe['rate']['median'] / anchor['rate']['median']
            rows.append(['Ingest throughput >= 2x Ceilometer with 2 '
                         'workers', 'x%.2f (%d against %d notifications/s)'
                         % (ratio, pipe['rate']['median'],
                            anchor['rate']['median']),
                         'yes' if ratio >= 2 else 'no'])
    windows_ = found.get('windows')
    if windows_:
        for backend, one in sorted(windows_['figures'].items()):
            rows.append(['Close a window of %s active resources < 2 s, %s' %
                         ('{:,}'.format(windows_['servers']), backend),
                         '%.1f s (CPU %.1f s)' % (
                             one['seconds']['median'],
                             one['cpu_seconds']['median']),
                         'yes' if one['seconds']['median'] < 2 else 'no'])
    reconcile_ = found.get('reconcile')
    if reconcile_ and '1000000' in reconcile_['figures']:
        one = reconcile_['figures']['1000000']
        rows.append(['Reconcile 1,000,000 servers < 60 s and < 1 GiB',
                     '%.0f s (CPU %.0f s), %d MiB' % (
                         one['seconds']['median'],
                         one['cpu_seconds']['median'],
                         one['peak_rss_mib']['median']),
                     'yes' if one['seconds']['median'] < 60 and
                     one['peak_rss_mib']['median'] < 1024 else 'no'])
    api_ = found.get('api')
    if api_:
        for backend, one in sorted(api_['figures'].items()):
            worst = max(one['month']['p99_ms'], one['cut']['p99_ms'])
            rows.append(['Usage report p99 < 50 ms, %d clients with '
                         'Keystone, %s' % (api_['clients'], backend),
                         '%.1f ms' % worst, 'yes' if worst < 50 else 'no'])
    if not rows:
        return ''
    return table(['Target (issue 18)', 'Measured (median)', 'Met'], rows)


def throttling(data):
    figures, changes = data['figures'], data['changes']
    pairs = data['pairs']
    second = ', '.join('%s %d' % item for item in sorted(
        changes['second'].items()) if item[0] != 'active')
    rows = [
        ['First run (no active decision)', runs(figures['first'], ' s', 2),
         runs(figures['first_cpu'], ' s', 2),
         '%.1f' % (figures['first_cpu']['median'] / pairs * 1e6),
         '%d opened' % changes['first']['opened']],
        ['Second run (%d active, rules edited)' % changes['second']['active'],
         runs(figures['second'], ' s', 2),
         runs(figures['second_cpu'], ' s', 2),
         '%.1f' % (figures['second_cpu']['median'] / pairs * 1e6), second],
        ['Baseline: summing the same entries', runs(figures['baseline'],
                                                    ' s', 2), '', '',
         'first run x%.1f' % (figures['first']['median'] /
                              figures['baseline']['median'])],
        ['What storage is asked for (needs)', runs(figures['needs'], ' s',
                                                   3), '', '', ''],
    ]
    return conditions(data) + '\n' + (
        '%d rules over %d projects: %d rule x project pairs.\n\n' % (
            data['rules'], data['projects'], pairs)) + table(
        ['Run', 'Wall', 'CPU', 'CPU us/pair', 'Decisions'], rows)


WRITERS = {'ingest': ingest, 'windows': windows, 'reconcile': reconcile,
           'api': api, 'push': push, 'meters': meters,
           'throttling': throttling}


def main(argv):
    directory = argv[0] if argv else _common.RESULTS
    found = {}
    for name, writer in sorted(WRITERS.items()):
        path = os.path.join(directory, '%s.json' % name)
        if not os.path.exists(path):
            print('report: no %s' % path)
            continue
        with open(path) as f:
            found[name] = json.load(f)
        profiled = os.path.join(directory, '%s-profile.json' % name)
        if os.path.exists(profiled):
            with open(profiled) as f:
                found[name]['profiled'] = json.load(f)
        with open(os.path.join(directory, '%s.inc' % name), 'w') as f:
            f.write(writer(found[name]))
        print('report: wrote %s.inc' % name)
    with open(os.path.join(directory, 'targets.inc'), 'w') as f:
        f.write(targets(found))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
