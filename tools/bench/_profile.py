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
"""Sampling profiles of running processes with py-spy (MIT, from PyPI).

py-spy reads a process's stacks from outside, without stopping it
(--nonblocking), and writes collapsed stacks ("frame;frame;... count"),
one file per process. summary() gives, per process, the share of the
samples that scs-metering's own functions hold, inclusive (anywhere on
the stack), and the functions at the top of the stack, wherever they
come from.
"""

import collections
import os
import re
import signal
import subprocess
import sys

RATE = 200


def start(directory, pids):
    """py-spy on each named process; returns the running samplers."""
    os.makedirs(directory, exist_ok=True)
    binary = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    spies = []
    for name, pid in pids.items():
        output = os.path.join(directory, '%s.txt' % name)
        spies.append(subprocess.Popen(
            [binary, 'record', '--pid', str(pid), '--rate', str(RATE),
             '--full-filenames',
             '--nonblocking', '--threads', '--format', 'raw', '--output',
             output], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return spies


def stop(spies):
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(60)


def _function(frame):
    # "name (path/to/module.py:line)" -> "name (module.py)"
    match = re.match(r'(.*) \((.*?):\d+\)$', frame.strip())
    if not match:
        return frame.strip()
    return '%s (%s)' % (match.group(1), os.path.basename(match.group(2)))


def read(path):
    inclusive, alone = collections.Counter(), collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip('\n').rpartition(' ')
            if not count.isdigit():
                continue
            count = int(count)
            raw = stack.split(';')[1:]
            if not raw:
                continue
            total += count
            alone[_function(raw[-1])] += count
            for frame in {_function(f) for f in raw
                          if '/scs_metering/' in f}:
                inclusive[frame] += count
    return total, inclusive, alone


def summary(directory, notifications, top=25):
    found = {}
    for name in ('agent', 'engine'):
        path = os.path.join(directory, '%s.txt' % name)
        if not os.path.exists(path):
            continue
        total, inclusive, alone = read(path)
        if not total:
            continue
        found[name] = {
            'samples': total,
            'us_per_notification': round(total * 1e6 / RATE /
                                         notifications),
            'inclusive': [(f, round(100.0 * n / total, 1))
                          for f, n in inclusive.most_common(top)],
            'alone': [(f, round(100.0 * n / total, 1))
                      for f, n in alone.most_common(top)]}
        print('Profile of the %s worker: %d samples, about %d us of active '
              'time per notification' % (
                  name, total, found[name]['us_per_notification']))
        for frame, share in found[name]['inclusive']:
            print('  %5.1f%%  %s' % (share, frame))
        print('  at the top of the stack:')
        for frame, share in found[name]['alone'][:12]:
            print('  %5.1f%%  %s' % (share, frame))
    return found
