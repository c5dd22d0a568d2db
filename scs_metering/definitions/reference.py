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
"""The table of shipped meters in the docs, generated from the YAML.

``python -m scs_metering.definitions.reference FILE`` rewrites the table
between the markers in FILE; a unit test fails when the committed table
and the definitions differ.
"""

import sys

from scs_metering.definitions import loader

BEGIN = '.. BEGIN GENERATED METERS TABLE'
END = '.. END GENERATED METERS TABLE'


def _window(seconds):
    for unit, width in (('day', 86400), ('hour', 3600), ('minute', 60)):
        if seconds % width == 0:
            count = seconds // width
            return '1 %s' % unit if count == 1 else '%d %ss' % (count, unit)
    return '%d s' % seconds


def _sources(definitions, meter):
    found = []
    for definition in definitions.events.values():
        if definition.resource_type != meter.resource_type:
            continue
        sampled = [m for m, _field in definition.samples]
        if meter.sampled != bool(sampled) or (
                meter.sampled and meter.samples_of not in sampled):
            continue
        text = ', '.join('``%s``' % p for p in definition.patterns.source)
        if definition.excluded:
            text += ' but not %s' % ', '.join(
                '``%s``' % p for p in definition.excluded.source)
        found.append('%s: %s' % (definition.service, text))
    return found


def table(definitions):
    """RST lines of a list-table of the meters."""
    lines = ['.. list-table::', '   :header-rows: 1', '',
             '   * - Meter', '     - Unit', '     - Kind', '     - Window',
             '     - Resource type', '     - Grouped by',
             '     - Source events']
    for name, meter in sorted(definitions.meters.items()):
        kind = meter.kind
        if meter.sampled and meter.samples_of != name:
            kind += ' (%s of %s)' % (meter.aggregate, meter.samples_of)
        sources = _sources(definitions, meter) or [
            'none: fed by reconciliation' if meter.samples_of == name else
            'the samples of ``%s``' % meter.samples_of]
        lines += ['   * - ``%s``' % name, '     - %s' % meter.unit,
                  '     - %s' % kind, '     - %s' % _window(meter.window),
                  '     - %s' % meter.resource_type,
                  '     - %s' % (', '.join(meter.group_by) or '-'),
                  '     - %s' % sources[0]]
        for source in sources[1:]:
            lines += ['', '       %s' % source]
    return lines


def rewrite(text, definitions):
    head, rest = text.split(BEGIN + '\n', 1)
    _old, tail = rest.split(END + '\n', 1)
    return '%s%s\n\n%s\n\n%s\n%s' % (head, BEGIN, '\n'.join(
        table(definitions)), END, tail)


def main(argv=None):
    path, = (argv if argv is not None else sys.argv[1:])
    with open(path) as f:
        text = f.read()
    new = rewrite(text, loader.load_files(loader.shipped_files()))
    with open(path, 'w') as f:
        f.write(new)


if __name__ == '__main__':
    main()
