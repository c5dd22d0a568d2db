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
"""scs-metering-status: checks to run before and after an upgrade.

``scs-metering-status upgrade check`` exits 0 when all is well, 1 on a
warning and 2 on a failure, like the other OpenStack status commands.
"""

import os
import socket
import sys
import urllib.parse

from oslo_upgradecheck import upgradecheck
import yaml

from scs_metering.agent import dlxcheck
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering.publisher import base
from scs_metering.publisher import confinement
from scs_metering.publisher import loader as sink_loader
from scs_metering.publisher import manager
from scs_metering import service

Code = upgradecheck.Code
Result = upgradecheck.Result

# A sink that does not answer in this many seconds counts as unreachable.
CONNECT_TIMEOUT = 5


def _writable_directory(path):
    """The nearest existing directory of ``path``, if we may write there."""
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(directory):
        directory = os.path.dirname(directory)
    if not os.path.isdir(directory):
        return '%s is not a directory' % directory
    if not os.access(directory, os.W_OK | os.X_OK):
        return '%s is not writable' % directory
    return None


def reachable(driver, url):
    """None if the sink looks reachable, else what is wrong.

    A driver that knows how to check its sink does it (``check()``
    raising on failure); otherwise a file sink needs a writable directory
    and a network sink must accept a connection.
    """
    check = getattr(driver, 'check', None)
    if callable(check):
        try:
            check()
        except Exception as exc:
            return str(exc)
        return None
    parsed = urllib.parse.urlparse(url or '')
    if parsed.scheme == 'file':
        return _writable_directory(urllib.parse.unquote(parsed.path))
    if not parsed.hostname:
        return None
    try:
        port = parsed.port or socket.getservbyname(
            parsed.scheme.split('+')[-1])
        socket.create_connection((parsed.hostname, port),
                                 timeout=CONNECT_TIMEOUT).close()
    except (OSError, ValueError) as exc:
        return 'cannot connect to %s: %s' % (parsed.netloc, exc)
    return None


class Checks(upgradecheck.UpgradeCommands):
    """Database schema, definitions and sinks of this deployment."""

    def __init__(self, conf):
        super().__init__()
        self.conf = conf

    def _database(self):
        try:
            connection = db_api.get_connection(self.conf)
            current = connection.version()
        except Exception as exc:
            return Result(Code.FAILURE,
                          'Cannot read the database: %s' % exc)
        head = connection.head()
        if current != head:
            return Result(Code.FAILURE,
                          'The schema is at %s, this release needs %s. Run '
                          '"scs-metering-manage db upgrade".' % (
                              current, head))
        return Result(Code.SUCCESS, 'Schema at %s.' % head)

    def _definitions(self):
        try:
            definitions = loader.load(self.conf)
        except loader.DefinitionError as exc:
            return Result(Code.FAILURE, str(exc))
        return Result(Code.SUCCESS, '%d meters of %d resource types for '
                      '%s.' % (len(definitions.meters),
                               len(definitions.resource_types),
                               ', '.join(sorted(definitions.services))))

    def _sink_definitions(self):
        """Sinks in the database, with those of [publisher] sinks_file."""
        found = {}
        path = self.conf.publisher.sinks_file
        if path:
            with open(path) as f:
                listed = (yaml.safe_load(f) or {}).get('sinks') or []
            for definition in listed:
                sink = manager.validate(definition)
                found[sink['name']] = dict(sink, paused=False)
        for sink in db_api.get_connection(self.conf).sinks():
            found.setdefault(sink['name'], manager.usable(self.conf, sink))
        return [found[name] for name in sorted(found)]

    def _sinks(self):
        try:
            definitions = self._sink_definitions()
        except (OSError, yaml.YAMLError, AttributeError,
                base.SinkError) as exc:
            return Result(Code.FAILURE, 'Unusable sink definitions: %s' % exc)
        except Exception as exc:
            return Result(Code.FAILURE, 'Cannot read the sinks: %s' % exc)
        if not definitions:
            return Result(Code.WARNING, 'No sink is defined: usage records '
                          'are kept, but delivered nowhere.')
        failures, warnings = [], []
        confined = confinement.Confinement.from_conf(self.conf)
        for sink in definitions:
            try:
                driver = sink_loader.load_sink(sink)
            except base.SinkError as exc:
                failures.append('%s: %s' % (sink['name'], exc))
                continue
            try:
                driver.confine(confined)
            except base.SinkError as exc:
                driver.close()
                failures.append('%s: %s' % (sink['name'], exc))
                continue
            try:
                problem = reachable(driver, sink.get('url'))
            finally:
                driver.close()
            if problem:
                warnings.append('%s: %s' % (sink['name'], problem))
            elif sink.get('paused'):
                warnings.append('%s: paused' % sink['name'])
        if failures:
            return Result(Code.FAILURE, '; '.join(failures + warnings))
        if warnings:
            return Result(Code.WARNING, '; '.join(warnings) + '. Records '
                          'wait in the outbox until the sink is back.')
        return Result(Code.SUCCESS, '%d sinks reachable.' % len(definitions))

    def _stalled_meters(self):
        try:
            stalled = db_api.get_connection(self.conf).stalled_meters()
        except Exception as exc:
            return Result(Code.FAILURE,
                          'Cannot read the stalled meters: %s' % exc)
        if not stalled:
            return Result(Code.SUCCESS, 'Every meter\'s windows close.')
        return Result(Code.FAILURE, '%d meters stalled, their windows do '
                      'not close: %s. The engine tries again on every run; '
                      'see its log.' % (len(stalled), '; '.join(
                          '%s since %s (%d attempts): %s' % (
                              meter, s['since'], s['attempts'],
                              s['reason'])
                          for meter, s in sorted(stalled.items()))))

    def _parked_groups(self):
        try:
            connection = db_api.get_connection(self.conf)
            count = connection.parked_count()
            newest = connection.parked_groups(limit=5)
        except Exception as exc:
            return Result(Code.FAILURE,
                          'Cannot read the parked groups: %s' % exc)
        if not count:
            return Result(Code.SUCCESS, 'No group of a window is parked.')
        # A warning: every other group's records close and are delivered;
        # these are missing until the engine stores them on a retry.
        return Result(Code.WARNING, '%d groups of windows are parked, their '
                      'records are missing until stored. The engine tries '
                      'again on every run; scs-metering-manage parked list '
                      'shows them. Newest: %s' % (count, '; '.join(
                          '%s [%s, %s) project %s user %s (%d attempts): %s'
                          % (p['meter'], p['window_start'], p['window_end'],
                             p['project_id'], p['user_id'], p['attempts'],
                             p['reason']) for p in newest)))

    def _as_root(self):
        """This check's own command line, run as root."""
        return ' '.join(['sudo', os.path.abspath(sys.argv[0])] + [
            '--config-file %s' % os.path.abspath(path)
            for path in self.conf.config_file] + ['upgrade', 'check'])

    def _dead_letters(self):
        by_vhost = dlxcheck.queues(self.conf)
        if not by_vhost:
            return Result(Code.SUCCESS, 'No agent queue on RabbitMQ.')
        hints = ' '.join(dlxcheck.hint(self.conf, v) for v in by_vhost)
        try:
            problems = dlxcheck.problems(self.conf)
        except dlxcheck.Unverifiable as exc:
            return Result(Code.WARNING, 'Cannot read RabbitMQ\'s policies '
                          'as this user: %s. To verify that the agent\'s '
                          'queues dead-letter to %s, run as root on a broker '
                          'node: %s (or: %s). Without the policy an '
                          'undecodable notification is dropped instead of '
                          'quarantined; the admin guide\'s policy is: %s' % (
                              exc, dlxcheck.deadletter.exchange_name(
                                  self.conf), self._as_root(),
                              ' '.join('rabbitmqctl list_policies -p %s' % v
                                       for v in sorted(by_vhost)), hints))
        if problems:
            return Result(Code.FAILURE, '%s. Without a dead-letter '
                          'exchange RabbitMQ drops an undecodable '
                          'notification instead of handing it to the '
                          'agent\'s quarantine. Set the policy: %s' % (
                              '; '.join(problems), hints))
        return Result(Code.SUCCESS, 'The policies dead-letter the agent\'s '
                      'queues (%s) to %s.' % (', '.join(sorted(
                          q for names in by_vhost.values() for q in names)),
                          dlxcheck.deadletter.exchange_name(self.conf)))

    _upgrade_checks = (
        ('Database schema', _database),
        ('Definitions', _definitions),
        ('Sinks', _sinks),
        ('Stalled meters', _stalled_meters),
        ('Parked groups', _parked_groups),
        ('Dead-letter policy', _dead_letters),
    )


def main(argv=None):
    conf = service.new_conf()
    argv = sys.argv[1:] if argv is None else argv[1:]
    return upgradecheck.main(conf, project='scs-metering',
                             upgrade_command=Checks(conf), argv=argv)
