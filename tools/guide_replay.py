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
"""Replaying an install guide as written: its commands and its files.

The guide needs no markup of its own. Every ``.. code-block:: console``
holds commands: a line starting with ``# `` (root) or ``$ `` (the cloud's
administrator) starts one, a line ending in a backslash continues it,
and any other line is output. Every block whose ``:caption:`` is an
absolute path is that file's content. A block with any other caption is
not run, and its caller must say why (see tools/install-guide-check), so
that nothing new in the guide is skipped silently.

The commands run in one bash, as in an operator's terminal, so what one
exports the next sees. systemd does not run here (no PID 1 of its own in
a container), so ``systemctl`` is played by ``Systemd``, which runs a
unit's ExecStart as its User= and Group= and stops it as systemd would.
"""

import collections
import configparser
import os
import pwd
import re
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import uuid

Block = collections.namedtuple('Block', 'line language caption text')
Command = collections.namedtuple('Command', 'line prompt text')

_DIRECTIVE = re.compile(r'^\.\. code-block::\s*(\S+)\s*$')
_OPTION = re.compile(r'^\s+:([\w-]+):\s*(.*)$')
# What a unit's service gets from systemd, whatever the caller's has.
SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


def blocks(path):
    """The code blocks of an RST file, in order."""
    with open(path) as f:
        lines = f.read().split('\n')
    found = []
    i = 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i])
        i += 1
        if not match:
            continue
        start, options = i, {}
        while i < len(lines) and _OPTION.match(lines[i]):
            name, value = _OPTION.match(lines[i]).groups()
            options[name] = value
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or
                                  lines[i].startswith(' ')):
            body.append(lines[i])
            i += 1
        text = textwrap.dedent('\n'.join(body)).strip('\n') + '\n'
        found.append(Block(start, match.group(1), options.get('caption'),
                           text))
    return found


def commands(block):
    """The commands of a console block, continuation lines joined."""
    found, current = [], None
    for line in block.text.split('\n'):
        if current is None:
            if line[:2] not in ('# ', '$ '):
                continue  # output
            current = [line[0], line[2:]]
        else:
            current[1] += '\n' + line
        if not line.endswith('\\'):
            found.append(Command(block.line, current[0], current[1]))
            current = None
    return found


def substitute(text, table, used):
    """``text`` with each (placeholder, value) of ``table`` replaced."""
    for placeholder, value in table:
        if placeholder in text:
            used.add(placeholder)
            text = text.replace(placeholder, value)
    return text


class Shell:
    """One bash, as an operator's terminal."""

    def __init__(self, cwd, env, logs):
        self.logs = logs
        self.count = 0
        self.marker = '__guide_%s__' % uuid.uuid4().hex
        self.errors = open(os.path.join(logs, 'bash.stderr'), 'w')
        self.process = subprocess.Popen(
            ['bash', '--noprofile', '--norc'], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.errors, cwd=cwd, env=env,
            text=True, start_new_session=True)

    def run(self, text, timeout=900):
        """(exit status, stdout, stderr) of one command."""
        self.count += 1
        out = os.path.join(self.logs, 'command-%03d.out' % self.count)
        err = os.path.join(self.logs, 'command-%03d.err' % self.count)
        # Braces, not a subshell: "source" and "export" stay in effect.
        self.process.stdin.write('{ %s\n} </dev/null >%s 2>%s; echo "%s $?"\n'
                                 % (text, shlex.quote(out), shlex.quote(err),
                                    self.marker))
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        stream = self.process.stdout
        while True:
            ready, _, _ = select.select([stream], [], [],
                                        max(0, deadline - time.monotonic()))
            if not ready:
                self.close()
                raise TimeoutError('no answer in %ss: %s' % (timeout, text))
            line = stream.readline()
            if not line:
                raise RuntimeError('bash exited; see %s' % self.errors.name)
            if line.startswith(self.marker):
                break
        with open(out) as f, open(err) as g:
            return int(line.split()[-1]), f.read(), g.read()

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.errors.close()


class Unit:
    """A systemd unit file, read as systemd reads it (the parts used)."""

    def __init__(self, name, path, instance=''):
        self.name, self.path = name, path
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str
        with open(path) as f:
            text = f.read().replace('%i', instance)
        parser.read_string(text)
        self.text = text
        service = parser['Service']
        self.user = service.get('User', 'root')
        self.group = service.get('Group') or None
        self.exec_start = shlex.split(service['ExecStart'])
        self.environment = dict(
            item.split('=', 1) for item in
            shlex.split(service.get('Environment', '')))
        self.stop_timeout = int(service.get('TimeoutStopSec', '90'))


class Systemd:
    """systemctl for the units of ``unit_dir``, where systemd does not run.

    A started unit's ExecStart runs as its User= and Group= in a session
    of its own, with the environment systemd gives a service plus its
    Environment=; stopping sends SIGTERM to the whole session (systemd's
    KillMode=control-group) and SIGKILL after TimeoutStopSec.
    """

    def __init__(self, unit_dir, logs):
        self.unit_dir, self.logs = unit_dir, logs
        self.running = {}  # name -> (Unit, Popen)

    def unit(self, name):
        if not name.endswith('.service'):
            name += '.service'
        path = os.path.join(self.unit_dir, name)
        prefix, at, rest = name.partition('@')
        if at and not os.path.exists(path):
            template = os.path.join(self.unit_dir, prefix + '@.service')
            return Unit(name, template, rest[:-len('.service')])
        return Unit(name, path)

    def verify(self, unit):
        """What systemd-analyze says against the unit ('' if fine)."""
        analyze = shutil.which('systemd-analyze')
        if analyze is None:
            return ''
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, unit.name)
            shutil.copy(unit.path, path)
            done = subprocess.run([analyze, 'verify', '--man=no', path],
                                  capture_output=True, text=True, timeout=60)
        return (done.stdout + done.stderr).strip()

    def handle(self, text):
        """(exit status, stdout, stderr) of a systemctl command line."""
        argv = shlex.split(text.replace('\\\n', ' '))
        verb, names = argv[1], [a for a in argv[2:] if not a.startswith('-')]
        if verb == 'daemon-reload':
            return 0, '', ''
        if verb in ('enable', 'start'):
            if verb == 'start' or '--now' in argv:
                problems = [p for p in map(self.start, names) if p]
                return (1 if problems else 0), '', '\n'.join(problems)
            return 0, '', ''
        if verb == 'stop':
            return 0, '', '\n'.join(str(self.stop(n)) for n in names)
        return 1, '', 'systemctl %s: not played here' % verb

    def start(self, name):
        unit = self.unit(name)
        problem = self.verify(unit)
        if problem:
            return problem
        entry = pwd.getpwnam(unit.user)
        env = {'PATH': SERVICE_PATH, 'LANG': 'C.UTF-8', 'HOME': entry.pw_dir,
               'USER': unit.user, 'LOGNAME': unit.user,
               'SHELL': entry.pw_shell}
        env.update(unit.environment)
        log = open(os.path.join(self.logs, unit.name + '.log'), 'w')
        process = subprocess.Popen(
            unit.exec_start, env=env, user=unit.user,
            group=unit.group or entry.pw_gid, extra_groups=[], cwd='/',
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.running[unit.name] = (unit, process)
        return ''

    def log(self, name):
        with open(os.path.join(self.logs, name + '.log')) as f:
            return f.read()

    def stop(self, name):
        """The unit's exit status, or 'killed' after TimeoutStopSec."""
        unit, process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(unit.stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return 'killed'
        return process.returncode

    def stop_all(self):
        return {name: self.stop(name) for name in list(self.running)[::-1]}
