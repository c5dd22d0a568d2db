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
"""A real Keystone from PyPI on loopback, started once per test process.

Keystone runs on SQLite, set up with keystone-manage (db_sync, fernet and
credential keys, bootstrap), and served by Werkzeug's threaded server on a
free port. Projects, users and role assignments are made through its
REST API, as an operator would.
"""

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session


ADMIN_PASSWORD = 'admin-secret-pw'
PASSWORD = 'user-secret-pw'
# name -> (project, role); the admin comes from bootstrap. radosgw checks
# tokens as ceph-rgw (tests/functional/rgw).
USERS = {
    'alpha-member': ('alpha', 'member'),
    'alpha-reader': ('alpha', 'reader'),
    'beta-reader': ('beta', 'reader'),
    'ceph-rgw': ('service', 'service'),
    'scs-metering': ('service', 'service'),
}
# name -> role on the system; their tokens, and those of 'system-admin'
# (the bootstrapped admin), are system scoped.
SYSTEM_USERS = {'system-reader': 'reader'}

# Keystone writes on every password login (user.last_active_at). On
# SQLite two such writes in concurrent transactions fail at once with
# "database is locked" (SQLite does not wait when a reader upgrades to a
# writer), which Keystone answers with a 500 and keystonemiddleware turns
# into a 503 for the API under test. So requests are handled one at a time;
# connections stay concurrent and keep-alive.
_SERVE = textwrap.dedent('''
    import sys
    import threading
    port = int(sys.argv.pop(1))
    from keystone.server import wsgi
    from werkzeug import serving
    application = wsgi.initialize_public_application()
    one_at_a_time = threading.Lock()
    def serialized(environ, start_response):
        with one_at_a_time:
            return list(application(environ, start_response))
    serving.run_simple('127.0.0.1', port, serialized, threaded=True)
''')


class Unavailable(Exception):
    """Keystone is not installed in this environment."""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Keystone:

    def __init__(self, users=None):
        # USERS, and more (name -> (project, role)) for other suites.
        self.users = dict(USERS, **(users or {}))
        self.dir = tempfile.mkdtemp(prefix='scs-keystone-')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d/v3' % self.port
        self.process = None
        self.project_ids = {}
        self._tokens = {}

    def _manage(self, *args):
        manage = os.path.join(os.path.dirname(sys.executable),
                              'keystone-manage')
        if not os.path.exists(manage):
            raise Unavailable('keystone-manage is not installed next to %s'
                              % sys.executable)
        subprocess.run([manage, '--config-file', self.config] + list(args),
                       check=True, capture_output=True, timeout=300)

    def start(self, populate=True):
        """Set up and serve Keystone; ``populate`` adds USERS.

        Without it, Keystone has what bootstrap makes (the admin user and
        project, the roles, RegionOne and its own endpoints), as a cloud
        that an install guide registers a service in.
        """
        self.config = os.path.join(self.dir, 'keystone.conf')
        with open(self.config, 'w') as f:
            f.write(textwrap.dedent('''
                [DEFAULT]
                log_file = {d}/keystone.log
                [database]
                connection = sqlite:///{d}/keystone.sqlite
                [token]
                provider = fernet
                [fernet_tokens]
                key_repository = {d}/fernet-keys
                [fernet_receipts]
                key_repository = {d}/fernet-receipts
                [credential]
                key_repository = {d}/credential-keys
                [identity]
                # bcrypt's least work: every password login (each CLI
                # call) costs 0.28 s of CPU at the default 12 rounds.
                password_hash_rounds = 4
            ''').format(d=self.dir))
        self._manage('db_sync')
        for step in ('fernet_setup', 'credential_setup'):
            self._manage(step, '--keystone-user', 'root',
                         '--keystone-group', 'root')
        self._manage('bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                     '--bootstrap-public-url', self.url,
                     '--bootstrap-internal-url', self.url,
                     '--bootstrap-region-id', 'RegionOne')
        self.log = open(os.path.join(self.dir, 'serve.log'), 'w')
        self.process = subprocess.Popen(
            [sys.executable, '-c', _SERVE, str(self.port)],
            env=dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.config),
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()
        if populate:
            self._populate()

    def _wait(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('keystone exited; see %s' % self.log.name)
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError('keystone did not listen on %d' % self.port)

    def session(self, user='admin', project='admin'):
        """A session of ``user`` on ``project``, or on the system if None."""
        password = ADMIN_PASSWORD if user == 'admin' else PASSWORD
        scope = ({'system_scope': 'all'} if project is None else
                 {'project_name': project, 'project_domain_id': 'default'})
        return ks_session.Session(auth=v3.Password(
            auth_url=self.url, username=user, password=password,
            user_domain_id='default', **scope))

    def _create_user(self, admin, name):
        return admin.post(self.url + '/users', json={'user': {
            'name': name, 'password': PASSWORD,
            'domain_id': 'default'}}).json()['user']['id']

    def _populate(self):
        admin = self.session()
        roles = {r['name']: r['id'] for r in admin.get(
            self.url + '/roles').json()['roles']}
        for project in sorted({p for p, _r in self.users.values()}):
            self.project_ids[project] = admin.post(
                self.url + '/projects', json={'project': {
                    'name': project, 'domain_id': 'default'}}).json()[
                'project']['id']
        for name, (project, role) in sorted(self.users.items()):
            user_id = self._create_user(admin, name)
            admin.put('%s/projects/%s/users/%s/roles/%s' % (
                self.url, self.project_ids[project], user_id, roles[role]))
        for name, role in sorted(SYSTEM_USERS.items()):
            admin.put('%s/system/users/%s/roles/%s' % (
                self.url, self._create_user(admin, name), roles[role]))
        self.project_ids['admin'] = admin.get_project_id()

    def token(self, user):
        """A token of a user (cached, tokens last 1 h).

        'system-admin' is the bootstrapped admin with a system-scoped
        token; the SYSTEM_USERS get system-scoped tokens too, the others
        tokens of their project.
        """
        if user not in self._tokens:
            if user == 'system-admin':
                session = self.session('admin', None)
            elif user in SYSTEM_USERS:
                session = self.session(user, None)
            else:
                session = self.session(user, 'admin' if user == 'admin'
                                       else self.users[user][0])
            self._tokens[user] = session.get_token()
        return self._tokens[user]

    def authtoken_options(self):
        """[keystone_authtoken] of a service using this Keystone."""
        return {
            'www_authenticate_uri': self.url, 'auth_url': self.url,
            'auth_type': 'password', 'username': 'scs-metering',
            'password': PASSWORD, 'project_name': 'service',
            'user_domain_id': 'default', 'project_domain_id': 'default',
        }

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


_keystone = None


def get():
    """The Keystone of this test process, started on first use."""
    global _keystone
    if _keystone is None:
        keystone = Keystone()
        atexit.register(keystone.stop)
        try:
            keystone.start()
        except (subprocess.CalledProcessError, ks_exc.ClientException,
                RuntimeError) as exc:
            raise RuntimeError('cannot start keystone: %s' % exc)
        _keystone = keystone
    return _keystone
