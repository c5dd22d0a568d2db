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
"""What every benchmark shares: CPU from /proc, medians, the JSON results.

Each benchmark writes one JSON file, ``<name>.json``, into the results
directory (``--output``; by default ``doc/source/reference/bench`` for a
full run, a temporary directory for ``--quick``), from which
``report.py`` writes the tables that the benchmarks page includes. The
file records the machine, the load average at the start and the end of
the run and each figure with its runs, so that a figure is never read
without its conditions.
"""

import datetime
import json
import os
import platform
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(ROOT, 'doc', 'source', 'reference', 'bench')
TICK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    """User plus system CPU seconds of a process; None once it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            # The command may hold spaces: fields count from the last ')'.
            fields = f.read().rsplit(')', 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid):
    """Process ids of the children of a process, recursively."""
    found = []
    try:
        tasks = os.listdir('/proc/%d/task' % pid)
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            with open('/proc/%d/task/%s/children' % (pid, task)) as f:
                direct = [int(p) for p in f.read().split()]
        except FileNotFoundError:
            continue
        for child in direct:
            found.append(child)
            found.extend(children(child))
    return found


def tree(pid):
    return [pid] + children(pid)


def peak_rss_mib(pid):
    """Peak RSS (VmHWM) of a process in MiB, 0 once it is gone."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    return 0.0


def pids_named(name):
    """Process ids whose command name is ``name`` (e.g. beam.smp)."""
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/comm' % entry) as f:
                    if f.read().strip() == name:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


class CPUMeter:
    """CPU seconds of named groups of processes between two instants.

    A group is a function returning process ids, called at every sample,
    so that processes which appear during the measurement (a database
    backend, a forked worker) are counted: one first seen after the start
    counts from zero. A process that exits before the end loses the CPU
    it spent since its last sample, so callers sample before stopping
    anything.
    """

    def __init__(self, groups):
        self.groups = groups
        self.first = {}
        self.last = {}
        self.started = False

    def sample(self):
        for name, pids in self.groups.items():
            for pid in pids():
                value = cpu_seconds(pid)
                if value is None:
                    continue
                key = (name, pid)
                if key not in self.first:
                    self.first[key] = value if not self.started else 0.0
                self.last[key] = value
        self.started = True

    def seconds(self):
        """CPU seconds of each group since the first sample."""
        totals = {name: 0.0 for name in self.groups}
        for (name, pid), value in self.last.items():
            totals[name] += value - self.first[(name, pid)]
        return totals


def median(values):
    return statistics.median(values) if values else None


def figure(values, digits=1):
    """A measured figure: the median of its runs, and the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {'median': round(median(values), digits),
            'runs': [round(v, digits) for v in values]}


def loadavg():
    return [round(v, 2) for v in os.getloadavg()]


def _versions(names):
    from importlib import metadata
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def machine():
    model = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except FileNotFoundError:
        pass
    return {'cpus': os.cpu_count(), 'cpu_model': model,
            'python': platform.python_version(),
            'packages': _versions(['oslo.messaging', 'SQLAlchemy', 'kombu',
                                   'psycopg2-binary', 'PyMySQL',
                                   'keystonemiddleware', 'pyuwsgi'])}


def add_arguments(parser):
    parser.add_argument('--output', help='directory of the JSON results '
                        '(default: %s, or a temporary directory with '
                        '--quick)' % os.path.relpath(RESULTS, ROOT))


class Results:
    """The JSON result of one benchmark run."""

    def __init__(self, name, args, method):
        self.name = name
        quick = getattr(args, 'quick', False)
        self.directory = args.output or (
            tempfile.mkdtemp(prefix='scs-bench-') if quick else RESULTS)
        self.data = {
            'benchmark': name, 'quick': quick, 'argv': sys.argv[1:],
            'date': datetime.datetime.now(datetime.timezone.utc).strftime(
                '%Y-%m-%d %H:%M UTC'),
            'machine': machine(), 'loadavg_start': loadavg(),
            'method': method}

    def __setitem__(self, key, value):
        self.data[key] = value

    def __getitem__(self, key):
        return self.data[key]

    def write(self):
        self.data['loadavg_end'] = loadavg()
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, '%s.json' % self.name)
        with open(path, 'w') as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
            f.write('\n')
        print('Results: %s (load average %s at the start, %s at the end)' % (
            path, ' '.join('%.1f' % v for v in self.data['loadavg_start']),
            ' '.join('%.1f' % v for v in self.data['loadavg_end'])),
            flush=True)
        return path
