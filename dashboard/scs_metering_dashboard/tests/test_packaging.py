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
"""The plugin installs into Horizon's environment without the server's.

The server needs oslo.db, oslo.messaging, SQLAlchemy, pecan and more; none
of them may come with the dashboard, nor be imported by it or by the
client it uses. These tests read the installed distributions' metadata,
so they hold for what pip would install.
"""

import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
import unittest

from packaging import requirements

CLIENT = 'python-scsmeteringclient'


def _name(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def required(distribution):
    """The names a distribution requires, its extras left out."""
    try:
        lines = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return set()
    found = set()
    for line in lines:
        requirement = requirements.Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(
                {'extra': ''}):
            continue
        found.add(_name(requirement.name))
    return found


def closure(distribution, seen=None):
    """The names of a distribution and of everything it requires."""
    seen = set() if seen is None else seen
    if _name(distribution) in seen:
        return seen
    seen.add(_name(distribution))
    for name in required(distribution):
        closure(name, seen)
    return seen


def server_only():
    """What the server requires and Horizon does not bring anyway."""
    return required('scs-metering') - closure('horizon')


class RequirementsTest(unittest.TestCase):

    def test_server_only_requirements_are_the_heavy_ones(self):
        self.assertLessEqual({'oslo-db', 'oslo-messaging', 'sqlalchemy',
                              'pecan', 'alembic', 'tooz'}, server_only())

    def test_dashboard_brings_none_of_them(self):
        brought = closure('scs-metering-dashboard')
        self.assertIn(_name(CLIENT), brought)
        self.assertNotIn('scs-metering', brought)
        self.assertEqual(set(), brought & server_only())

    def test_client_needs_are_horizons(self):
        self.assertIn('keystoneauth1', required(CLIENT))
        self.assertLessEqual(required(CLIENT), closure('horizon'))


# Imports every module of the plugin and uses the client with the server's
# own requirements made unimportable.
_BLOCKED_RUN = textwrap.dedent('''
    import importlib, pkgutil, sys
    blocked = set(sys.argv[1:])

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in blocked:
                raise ImportError('%s is a server requirement' % name)

    sys.meta_path.insert(0, Block())
    import scs_metering_dashboard.tests  # sets Django up
    import scs_metering_dashboard
    for info in pkgutil.walk_packages(scs_metering_dashboard.__path__,
                                      'scs_metering_dashboard.'):
        if '.tests' not in info.name:
            importlib.import_module(info.name)
    from keystoneauth1 import session
    from scsmeteringclient.v1 import client
    client.Client(session.Session(), endpoint_override='http://x')
    print(len([m for m in sys.modules if m.startswith('scs_metering')]))
''')


class ImportTest(unittest.TestCase):

    def test_runs_without_the_server_requirements(self):
        mapping = importlib.metadata.packages_distributions()
        blocked = sorted(module for module, names in mapping.items()
                         if {_name(n) for n in names} & server_only())
        # And the server itself: the client is a distribution apart.
        blocked.append('scs_metering')
        self.assertIn('oslo_db', blocked)
        self.assertIn('sqlalchemy', blocked)
        result = subprocess.run(
            [sys.executable, '-c', _BLOCKED_RUN] + blocked,
            capture_output=True, text=True, timeout=300,
            env=dict(os.environ, PYTHONWARNINGS='ignore'))
        self.assertEqual(0, result.returncode, result.stderr[-3000:])
        self.assertGreater(int(result.stdout.split()[-1]), 10)
