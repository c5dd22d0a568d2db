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
"""Run the benchmarks of tools/bench (``tox -e bench``).

    run.py                      every benchmark, with its default arguments,
                                then report.py
    run.py NAME [ARGUMENTS...]  one benchmark; the arguments are its own
    run.py --list               the benchmarks and what they measure

A benchmark is a module of this directory (not starting with "_", nor
run or report) with a ``main(argv)`` function and a docstring whose first
line says what it measures. It prints its figures, medians of several
runs with ratios to a baseline measured in the same run, and writes them
as JSON (_common.Results); report.py turns the JSON into the tables of
doc/source/reference/benchmarks.rst.
"""

import importlib
import os
import pkgutil
import sys

from scs_metering.common import runtime

HERE = os.path.dirname(os.path.abspath(__file__))


def benchmarks():
    return sorted(m.name for m in pkgutil.iter_modules([HERE])
                  if not m.name.startswith('_') and
                  m.name not in ('run', 'report'))


def load(name):
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    return importlib.import_module(name)


def main(argv):
    # Benchmarks import the services' modules, as the commands do.
    runtime.prepare_process()
    names = benchmarks()
    if argv[:1] in (['-h'], ['--help']):
        print(__doc__)
        return 0
    if argv[:1] == ['--list']:
        for name in names:
            summary = (load(name).__doc__ or '').strip().splitlines()
            print('%-12s %s' % (name, summary[0] if summary else ''))
        return 0
    if argv:
        if argv[0] not in names:
            sys.exit('unknown benchmark %r; available: %s' % (
                argv[0], ', '.join(names)))
        return load(argv[0]).main(argv[1:])
    for name in names:
        print('== %s' % name, flush=True)
        load(name).main([])
    return load('report').main([])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
