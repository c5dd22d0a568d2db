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
"""scs-metering-replay: meter archived notifications."""

import os
import sys

from oslo_config import cfg

from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering.publisher import manager
from scs_metering import replay
from scs_metering import service

CLI_OPTS = [
    cfg.MultiStrOpt('trace', positional=True, required=True,
                    help='JSON-lines files of oslo.messaging messages, one '
                         'per line, with or without their envelope.'),
    cfg.StrOpt('sink-file', default='usage.jsonl',
               help='JSON-lines file the usage records are delivered to.'),
    cfg.StrOpt('until',
               help='Close windows up to this UTC time. Defaults to the '
                    'end of the window holding the last replayed event.'),
    cfg.BoolOpt('no-settle', default=False,
                help='Close windows of reconciled types ([reconciliation] '
                     'resource_types) up to --until even where no '
                     'successful reconciliation run covers them yet. '
                     'Their later corrections then become new revisions.'),
]


def main(argv=None):
    conf = service.new_conf()
    conf.register_cli_opts(CLI_OPTS)
    # Without a configuration file, replay works in the current directory.
    conf.set_default('state_path', os.getcwd())
    conf = service.prepare_service(argv, conf)
    # The file named on the command line is the operator's own choice.
    sink_file = os.path.abspath(conf.sink_file)
    conf.set_override('file_sink_dirs', conf.publisher.file_sink_dirs + [
        os.path.dirname(sink_file)], 'publisher')
    try:
        until = timeutils.parse(conf.until)
        defs = loader.load(conf)
    except (ValueError, loader.DefinitionError) as exc:
        sys.exit('scs-metering-replay: %s' % exc)
    connection = db_api.get_connection(conf)
    connection.upgrade()
    manager.put(connection, {
        'name': 'replay', 'driver': 'file', 'format': 'native',
        'filters': {'kinds': ['usage']},
        'url': 'file://' + sink_file})
    job = replay.Replay(connection, defs, conf)
    for path in conf.trace:
        # Bytes: a line that is not UTF-8 is quarantined, not fatal.
        with open(path, 'rb') as trace:
            job.ingest(trace, source=path)
    until = until or job.default_until()
    held = {}
    if until is not None:
        held = job.close_and_deliver(until, settle=not conf.no_settle)
    _report(job, connection, defs, until, conf.sink_file)
    for resource_type, when in sorted(held.items()):
        print('Windows of %s held back from %s: no successful '
              'reconciliation covers them yet (--no-settle closes them).' % (
                  resource_type, timeutils.isoformat(when)))


def _report(job, connection, defs, until, sink_file):
    print('Replayed %s' % ', '.join('%d %s' % (n, what) for what, n in
                                    sorted(job.counts.items())))
    print('Usage up to %s, delivered to %s:' % (
        timeutils.isoformat(until), sink_file))
    rows = replay.summary(connection.current_records(), defs)
    header = ('project', 'meter', 'group', 'usage')
    lines = []
    for project, meter, group, unit, quantity in rows:
        shown, shown_unit = replay.display(quantity, unit)
        lines.append((project, meter, group, '%s %s' % (shown, shown_unit)))
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines)]
    for line in [header] + lines:
        print('  '.join(str(c).ljust(w) for c, w in zip(line, widths)))
