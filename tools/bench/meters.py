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
"""Meters benchmark: notifications converted per second, by definition set.

Method: the converter (the agent's per-notification work: rule lookup,
field extraction, event building) turns a stream of real notifications
into events, as the agent's endpoint does, with three definition sets:

- nova: nova.yaml only, the foundation's set (the baseline);
- shipped: every shipped definition file;
- shipped+N: the shipped files and N synthetic definitions (--extra,
  default 1000), half of them on nova's own service, each with a glob and
  a regular expression that match nothing real, so that a linear scan of
  the rules would pay for all of them.

Each set converts the nova stream (the versioned and legacy samples of a
server's life) and, except nova, the mixed stream (one life of every
resource type, tests/lifecycles.py), --messages notifications per run,
--runs runs; the median rate is printed with its ratio to the baseline.
The converter runs in this one process on one core, so its CPU per
notification is one second over the rate.
The lookup index answers an event type from its cache after the first
sight; the first sight of every distinct event type (the only part that
scans the rules) is timed apart.
"""

import argparse
import gc
import os
import statistics
import tempfile
import time

from scs_metering.agent import converter
from scs_metering.definitions import loader
from scs_metering.tests import lifecycles

import _common

SYNTHETIC = '''\
  synthetic.%(i)d:
    resource_type: synthetic_%(t)d
    event_types: ['synthetic%(i)d.*', 're:^synth_%(i)d_[a-z]+\\.end$']
    fields: {resource_id: /payload/id, project_id: /payload/project,
             time: /timestamp}
    attributes:
      size: {path: /payload/size, type: int}
'''


def synthetic_file(directory, count):
    """``count`` definitions, half on nova, the rest on 10 services."""
    types = ['resource_types:'] + [
        '  synthetic_%d: {service: %s}' % (
            t, 'nova' if t == 0 else 'synthetic%d' % t) for t in range(11)]
    meters = ['meters:'] + [
        '  synthetic_%d: {resource_type: synthetic_%d, kind: lifecycle, '
        'unit: s}' % (t, t) for t in range(11)]
    events = ['events:'] + [
        SYNTHETIC % {'i': i, 't': 0 if i % 2 == 0 else 1 + i % 10}
        for i in range(count)]
    path = os.path.join(directory, 'synthetic.yaml')
    with open(path, 'w') as f:
        f.write('\n'.join(types + meters + events) + '\n')
    return path


def streams():
    lives = lifecycles.all_lifecycles()
    mixed = [(life.service, m) for life in lives.values()
             for m in life.messages]
    return {'nova': [(s, m) for s, m in mixed if s == 'nova'],
            'mixed': mixed}


def rate(definitions, stream, count):
    """Notifications per second, converting ``count`` of the stream."""
    convert = converter.Converter(definitions)
    for service, message in stream:
        # Warm the lookup cache, as a running agent's is.
        convert.convert(service, message)
    messages = [stream[i % len(stream)] for i in range(count)]
    outcome = converter.Outcome()
    start = time.perf_counter()
    for service, message in messages:
        convert.convert(service, message, outcome)
    elapsed = time.perf_counter() - start
    assert not outcome.quarantined, outcome.quarantined[0].reason
    return count / elapsed


def first_sight(definitions, stream):
    """Seconds to look up every distinct event type once, cache cold."""
    keys = sorted({(s, m['event_type']) for s, m in stream})
    start = time.perf_counter()
    for service, event_type in keys:
        definitions.lookup(service, event_type)
    return time.perf_counter() - start, len(keys)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--messages', type=int, default=20000)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--extra', type=int, default=1000)
    parser.add_argument('--quick', action='store_true',
                        help='a CI-sized run: 2000 notifications, one run, '
                             '100 extra definitions')
    _common.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.runs, args.extra = 2000, 1, 100
    results = _common.Results('meters', args, __doc__)
    directory = tempfile.mkdtemp(prefix='bench-meters-')
    nova = [f for f in loader.shipped_files()
            if os.path.basename(f) == 'nova.yaml']
    extra = synthetic_file(directory, args.extra)
    files = [('nova', nova), ('shipped', loader.shipped_files()),
             ('shipped+%d' % args.extra, loader.shipped_files() + [extra])]
    start = time.perf_counter()
    big = loader.load_files(files[-1][1])
    load_seconds = time.perf_counter() - start
    sets = [(name, loader.load_files(paths)) for name, paths in files]
    found = streams()
    combos = [(name, defs, stream) for name, defs in sets
              for stream in ('nova', 'mixed')
              if not (name == 'nova' and stream == 'mixed')]
    # Runs interleave the combinations, so that the machine's drift
    # spreads over all of them.
    rates = {name + stream: [] for name, _defs, stream in combos}
    for _run in range(args.runs):
        for name, defs, stream in combos:
            gc.collect()
            rates[name + stream].append(
                rate(defs, found[stream], args.messages))
    print('Converter: notifications per second, median of %d runs of %d '
          '(ratio to nova on the nova stream)' % (args.runs, args.messages))
    baseline = statistics.median(rates['nova' + 'nova'])
    figures = results['figures'] = {}
    for name, _defs, stream in combos:
        median = statistics.median(rates[name + stream])
        figures['%s/%s' % (name, stream)] = {
            'rate': _common.figure(rates[name + stream], 0),
            'cpu_us': round(1e6 / median, 1),
            'ratio': round(median / baseline, 2)}
        print('  %-14s %-6s stream: %9.0f /s  (x%.2f)' % (
            name, stream, median, median / baseline))
    sights = results['first_sight_ms'] = {}
    for name, paths in files:
        # Fresh definitions: the timed runs warmed the others' caches.
        seconds, distinct = first_sight(loader.load_files(paths),
                                        found['mixed'])
        sights[name] = round(seconds * 1000, 2)
        print('First sight of %d event types, %s: %.2f ms' % (
            distinct, name, seconds * 1000))
    results['event_types'] = distinct
    results['load_seconds'] = round(load_seconds, 2)
    results['extra'] = args.extra
    print('Loading and validating shipped+%d definitions: %.2f s (%d '
          'event definitions)' % (args.extra, load_seconds, len(big.events)))
    results.write()
    return 0
