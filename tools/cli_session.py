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
"""Write doc/source/cli/session.rst: the metering commands, really run.

The CLI functional tests' setting (scs_metering.tests.functional.cli.base)
is started: a Keystone from PyPI with the API in its catalog, January
usage seeded through the engine. Each command of the page is run with
python-openstackclient's ``openstack`` and its output is written as it
came; between commands the engine's Deliverer pushes the sink's backlog
to a webhook on loopback, which refuses the first batch.

    python tools/cli_session.py > doc/source/cli/session.rst
"""

import os
import shlex
import subprocess
import sys
import tempfile

from scs_metering.publisher import delivery
from scs_metering.tests.functional.cli import base
from scs_metering.tests import webhook

HEADER = """\
=====================
A session, as it runs
=====================

.. This page is written by tools/cli_session.py; do not edit it.

The commands below ran against a real Keystone and the metering API, as
the CLI functional tests start them, with January 2026 usage of two
projects: alpha has two servers (3 and 2 hours), beta one (3 hours). The
output is as the commands printed it; only the time-dependent figures of
``openstack metering status`` change from run to run.
"""


class Session(base.CLITestCase):
    """The functional tests' setting, outside a test run."""

    def runTest(self):
        pass


def main():
    Session.setUpClass()
    session = Session()
    session.outputs = []
    hook = webhook.Webhook().then(
        ('status', 422, {}, '{"error": "unknown meter instance"}'))
    workdir = tempfile.mkdtemp(prefix='scs-cli-session-')
    os.chdir(workdir)
    with open('hmac.key', 'w') as f:
        f.write('a-long-random-key-from-your-secret-store\n')
    user = ['admin']
    out = [HEADER]

    def say(text):
        out.append('\n' + text.strip() + '\n')

    def run(*args, status=0, env=None):
        result = subprocess.run(
            [session.openstack_bin] + list(args),
            env=session.environment(user[0]), capture_output=True,
            text=True, timeout=120)
        if result.returncode != status:
            raise SystemExit('openstack %s: %s%s' % (
                ' '.join(args), result.stdout, result.stderr))
        text = result.stdout + result.stderr
        block = ['$ ' + shlex.join(['openstack'] + list(args))]
        block += text.rstrip('\n').splitlines()
        if status:
            block += ['$ echo $?', str(status)]
        out.append('\n.. code-block:: console\n\n' + '\n'.join(
            '   ' + line if line else '' for line in block) + '\n')

    def switch(name, project):
        user[0] = name
        out.append('\n.. code-block:: console\n\n'
                   '   $ export OS_USERNAME=%s OS_PROJECT_NAME=%s\n' % (
                       name, project))

    def deliver():
        deliverer = delivery.Deliverer(Session.api_conf, Session.storage,
                                       'docs')
        sent = deliverer.run_once()
        deliverer.close()
        return sent

    say("""
Credentials are the usual ``OS_*`` variables (or a ``clouds.yaml`` entry
with ``OS_CLOUD``). A reader of project alpha first:
""")
    switch('alpha-reader', 'alpha')
    say("""
``usage show`` reports the token's project unless ``--project`` says
otherwise; quantities are exact, in the unit of the meter (``s``: seconds
of a server's life):
""")
    run('metering', 'usage', 'show', '--start', '2026-01-01', '--end',
        '2026-02-01', '--group-by', 'flavor_name')
    run('metering', 'resource', 'list')
    run('metering', 'resource', 'show', 'instance', 'vm-alpha-2')
    say('Sinks are for admins:')
    run('metering', 'sink', 'list', status=1)

    switch('admin', 'admin')
    say("""
An admin sees every project. ``--long`` adds the seconds backed by each
source: a notification, an audit (``exists``) notification, or
reconciliation with the service's API:
""")
    run('metering', 'usage', 'show', '--all-projects', '--group-by',
        'project_id', '--long', '--start', '2026-01-01', '--end',
        '2026-02-01')
    say("""
A webhook sink for the usage records of project alpha, its requests
signed with an HMAC key read from a file (the key never appears on the
command line, in the output or in ``--debug`` logs):
""")
    run('metering', 'sink', 'create', 'billing', '--driver', 'http',
        '--url', hook.url, '--hmac-key-file', 'hmac.key', '--kind', 'usage',
        '--project', 'alpha')
    run('metering', 'sink', 'list')
    say("""
The sink came after January's records were made, so January is replayed
to it: every record of the range that passes its filters is queued again
under its own ID and revision.
""")
    run('metering', 'sink', 'replay', 'billing', '--start', '2026-01-01',
        '--end', '2026-02-01')
    deliver()
    say("""
The engine sent the batch; the webhook refused it with a 422, a permanent
error, so the records became dead letters, with the webhook's answer:
""")
    run('metering', 'sink', 'status', 'billing')
    run('metering', 'sink', 'dead-letter', 'list', 'billing')
    say("""
Once the receiver is fixed, the dead letters are retried. Paused, the
sink keeps them in its backlog; resumed, the engine delivers them:
""")
    run('metering', 'sink', 'pause', 'billing')
    run('metering', 'sink', 'dead-letter', 'retry', 'billing')
    run('metering', 'sink', 'status', 'billing', '-c', 'paused', '-c',
        'backlog', '-c', 'dead_letters')
    run('metering', 'sink', 'resume', 'billing')
    deliver()
    run('metering', 'sink', 'status', 'billing', '-c', 'paused', '-c',
        'backlog', '-c', 'delivered', '-c', 'last_success_at')
    say('Filters and options change in place; every format of cliff is '
        'there for scripts:')
    run('metering', 'sink', 'set', 'billing', '--meter', 'instance',
        '--option', 'timeout=10')
    run('metering', 'sink', 'show', 'billing', '-f', 'yaml')
    run('metering', 'sink', 'list', '-f', 'value', '-c', 'Name', '-c',
        'Paused')
    run('metering', 'sink', 'delete', 'billing')
    say("""
Errors of the API come with its message and a non-zero exit status;
arguments that cannot be right are usage errors (exit status 2) before
any request:
""")
    run('metering', 'sink', 'show', 'billing', status=1)
    run('metering', 'usage', 'show', '--start', 'last week', status=2)
    say('The health of the service (here, an engine that has not run for '
        'months):')
    run('metering', 'status')
    hook.stop()
    sys.stdout.write(''.join(out))


if __name__ == '__main__':
    main()
