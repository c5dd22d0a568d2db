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
"""The openstack-ansible role, rendered, linted and applied to this host.

Rendering uses ansible-core itself; the configuration that comes out is
held against the project's option definitions. Applying runs the role
on localhost into a virtualenv, without systemd, Keystone or the
openstack-ansible roles it includes for the database and the queues.
"""

import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import uuid

import yaml

from scs_metering.db import api as db_api
from scs_metering.db.sqlalchemy import migration
from scs_metering.tests.functional import base
from scs_metering.tests.functional import deploy

ROLES = os.path.join(deploy.REPO, 'deploy', 'openstack-ansible')
ROLE = os.path.join(ROLES, 'os_scs_metering')
BIN = os.path.dirname(sys.executable)

SAMPLE = {
    'scs_metering_container_mysql_password': 'dbsecret',
    'scs_metering_oslomsg_notify_password': 'notifysecret',
    'scs_metering_oslomsg_rpc_password': 'rpcsecret',
    'scs_metering_service_password': 'kssecret',
    'oslomsg_notify_servers': '10.0.0.11,10.0.0.12',
    'oslomsg_rpc_servers': '10.0.0.21',
    'oslomsg_notify_use_ssl': True,
    'oslomsg_notify_ssl_ca_file': '/etc/ssl/certs/ca.pem',
    'galera_address': '10.0.0.5',
    'internal_lb_vip_address': '10.0.0.1',
    'keystone_service_internaluri': 'http://10.0.0.1:5000',
}


class AnsibleTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.playbook = self.tool('ansible-playbook')

    def tool(self, name):
        """A command of the test's environment; tox -e functional has them."""
        path = shutil.which(name, path=BIN) or shutil.which(name)
        if path is None:
            message = '%s is not installed (deploy/test-requirements.txt)' % (
                name)
            if base.IN_CI:
                self.fail(message)
            self.skipTest(message)
        return path

    def env(self, **extra):
        env = dict(os.environ, ANSIBLE_ROLES_PATH=ROLES,
                   ANSIBLE_NOCOLOR='1', ANSIBLE_LOCAL_TEMP=self.tempdir,
                   ANSIBLE_COLLECTIONS_PATH=self.collections())
        env.update(extra)
        return env

    def collections(self):
        """openstack.config_template, from the package that ships it.

        The collection is not on PyPI, only its plugin files; laid out as a
        collection, the role's fully qualified name resolves.
        """
        root = os.path.join(self.tempdir, 'collections')
        plugins = os.path.join(root, 'ansible_collections', 'openstack',
                               'config_template', 'plugins')
        if not os.path.isdir(plugins):
            shipped = os.path.join(sys.prefix, 'share', 'ansible', 'plugins')
            if not os.path.isdir(shipped):
                self.fail('ansible-config-template is not installed in %s' %
                          sys.prefix)
            os.makedirs(os.path.join(plugins, 'modules'))
            shutil.copytree(os.path.join(shipped, 'action'),
                            os.path.join(plugins, 'action'))
            shutil.copy(os.path.join(shipped, 'modules', 'config_template'),
                        os.path.join(plugins, 'modules',
                                     'config_template.py'))
        return root

    def run_playbook(self, play, extra_vars, inventory='localhost,'):
        path = self.write_file('play.yml', yaml.safe_dump([play]))
        extra = self.write_file('extra-vars.yml', yaml.safe_dump(dict(
            extra_vars, ansible_python_interpreter=sys.executable)))
        done = subprocess.run(
            [self.playbook, '-i', inventory, '-e', '@' + extra, path],
            env=self.env(), capture_output=True, text=True, timeout=600)
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)
        return done.stdout


class TestRender(AnsibleTestCase):

    def render(self, variables):
        out = os.path.join(self.tempdir, 'out')
        os.makedirs(out, exist_ok=True)
        self.run_playbook({
            'name': 'Render the role templates', 'hosts': 'localhost',
            'connection': 'local', 'gather_facts': False,
            'vars_files': [os.path.join(ROLE, 'defaults', 'main.yml'),
                           os.path.join(ROLE, 'vars', 'main.yml')],
            'tasks': [{
                'name': 'Render', 'ansible.builtin.template': {
                    'src': os.path.join(ROLE, 'templates',
                                        '{{ item }}.j2'),
                    'dest': os.path.join(out, '{{ item }}'),
                    'mode': '0600'},
                'loop': ['scs-metering.conf', 'sinks.yaml']}]}, variables)
        return (os.path.join(out, 'scs-metering.conf'),
                os.path.join(out, 'sinks.yaml'))

    def test_sample_variables_give_a_config_our_options_accept(self):
        conf_path, sinks_path = self.render(SAMPLE)
        self.assertEqual([], deploy.unknown_options(conf_path))
        self.assertIsNone(deploy.bad_values(conf_path))
        conf = deploy.read_ini(conf_path)
        self.assertEqual(
            'rabbit://scs_metering:notifysecret@10.0.0.11:5672,'
            'scs_metering:notifysecret@10.0.0.12:5672/scs_metering?ssl=1'
            '&ssl_version=TLSv1_2&ssl_ca_file=/etc/ssl/certs/ca.pem',
            conf['DEFAULT']['transport_url'])
        self.assertEqual(
            'rabbit://scs_metering:rpcsecret@10.0.0.21:5672/scs_metering',
            conf['engine']['transport_url'])
        self.assertEqual(
            'mysql+pymysql://scs_metering:dbsecret@10.0.0.5:3306/'
            'scs_metering?charset=utf8', conf['database']['connection'])
        self.assertEqual('nova,cinder,neutron,glance,octavia,designate',
                         conf['notification']['enabled_services'])
        self.assertEqual('kssecret',
                         conf['service_credentials']['password'])
        with open(sinks_path) as f:
            self.assertEqual([{
                'name': 'usage-file', 'driver': 'file',
                'url': 'file:///var/lib/scs-metering/usage.jsonl'}],
                yaml.safe_load(f)['sinks'])

    def test_database_over_tls_and_plain_bus(self):
        conf_path, _sinks = self.render(dict(
            SAMPLE, galera_use_ssl=True, galera_ssl_ca_cert='/etc/ca.pem',
            oslomsg_notify_use_ssl=False))
        conf = deploy.read_ini(conf_path)
        self.assertTrue(conf['database']['connection'].endswith(
            '?charset=utf8&ssl_verify_cert=true&ssl_ca=/etc/ca.pem'))
        self.assertNotIn('ssl', conf['DEFAULT']['transport_url'])
        self.assertEqual([], deploy.unknown_options(conf_path))


class TestServices(AnsibleTestCase):
    """What the role hands to openstack-ansible's systemd_service and uwsgi.

    Those roles are not installed here; they render the units and the
    uWSGI file from these variables (uwsgi_uid and uwsgi_guid become uid,
    gid and the unit's User=; systemd_user_name the units' User=).
    """

    def test_every_service_runs_as_the_system_user(self):
        groups = ('scs_metering_api', 'scs_metering_agent',
                  'scs_metering_engine', 'scs_metering_reconciler')
        inventory = self.write_file('inventory.ini', ''.join(
            '[%s]\nlocalhost ansible_connection=local\n' % g
            for g in groups))
        out = os.path.join(self.tempdir, 'services.json')
        self.run_playbook({
            'name': 'Evaluate the services', 'hosts': 'localhost',
            'connection': 'local', 'gather_facts': False,
            'vars_files': [os.path.join(ROLE, 'defaults', 'main.yml'),
                           os.path.join(ROLE, 'vars', 'main.yml')],
            'tasks': [{'name': 'Write', 'ansible.builtin.copy': {
                'content': '{{ {"uwsgi": _scs_metering_uwsgi_services, '
                           '"systemd": _scs_metering_systemd_services} '
                           '| to_json }}',
                'dest': out, 'mode': '0600'}}]}, SAMPLE, inventory)
        with open(out) as f:
            services = json.load(f)
        api = services['uwsgi']['scs-metering-api']
        self.assertEqual(
            ('scs_metering', 'scs_metering',
             '/openstack/venvs/scs-metering-untagged',
             {'uwsgi': {'env': 'SCS_METERING_CONFIG_FILES='
                               '/etc/scs-metering/scs-metering.conf'}}),
            (api['uwsgi_uid'], api['uwsgi_guid'], api['wsgi_venv'],
             api['uwsgi_overrides']))
        self.assertEqual(['scs-metering-api'], list(services['uwsgi']))
        self.assertEqual(
            ['scs-metering-engine', 'scs-metering-agent',
             'scs-metering-reconciler'],
            [s['service_name'] for s in services['systemd']])

        with open(os.path.join(ROLE, 'tasks', 'main.yml')) as f:
            tasks = {t['name']: t for t in yaml.safe_load(f)}
        systemd = tasks['Run the systemd service role for the agent and '
                        'the engine']['vars']
        self.assertEqual(
            ('{{ scs_metering_system_user_name }}',
             '{{ scs_metering_system_group_name }}',
             '{{ _scs_metering_systemd_services }}'),
            (systemd['systemd_user_name'], systemd['systemd_group_name'],
             systemd['systemd_services']))
        self.assertEqual('{{ _scs_metering_uwsgi_services }}', tasks[
            'Run the uWSGI role for the API']['vars']['uwsgi_services'])


class TestLint(AnsibleTestCase):

    def test_ansible_lint(self):
        lint = self.tool('ansible-lint')
        done = subprocess.run(
            [lint, '--nocolor', '-c',
             os.path.join(ROLE, '.ansible-lint'), 'os_scs_metering'],
            cwd=ROLES, env=self.env(HOME=self.tempdir), capture_output=True,
            text=True, timeout=600)
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)


class TestApply(AnsibleTestCase):

    def virtualenv(self):
        """A virtualenv that sees this environment's libraries.

        The role installs scs-metering into it without dependencies,
        which would otherwise come from the package index.
        """
        venv = os.path.join(self.tempdir, 'venv')
        subprocess.run([sys.executable, '-m', 'venv', venv], check=True,
                       timeout=300)
        site = subprocess.run(
            [os.path.join(venv, 'bin', 'python'), '-c',
             'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
            check=True, capture_output=True, text=True).stdout.strip()
        with open(os.path.join(site, 'test-libraries.pth'), 'w') as f:
            f.write(sysconfig.get_paths()['purelib'] + '\n')
        return venv

    def test_apply_to_localhost(self):
        self.require('postgresql')
        # An empty database: the role creates the schema.
        url = self._create_database('postgresql')
        self.config('database', connection=url)
        venv = self.virtualenv()
        d = self.tempdir
        # A system user of its own, as the role makes on a real host.
        user = 'scsm_%s' % uuid.uuid4().hex[:8]
        self.addCleanup(subprocess.run, ['userdel', user],
                        capture_output=True)
        self.addCleanup(subprocess.run, ['groupdel', user],
                        capture_output=True)
        variables = dict(
            SAMPLE, scs_metering_systemd=False, scs_metering_db_setup=False,
            scs_metering_mq_setup=False, scs_metering_service_setup=False,
            scs_metering_system_user_name=user,
            scs_metering_system_group_name=user,
            scs_metering_system_user_home=os.path.join(d, 'home'),
            scs_metering_distro_packages=[],
            scs_metering_venv=venv,
            scs_metering_bin=os.path.join(venv, 'bin'),
            scs_metering_pip_packages=[deploy.REPO],
            scs_metering_pip_package_state='present',
            scs_metering_pip_install_args='--no-deps',
            scs_metering_etc_dir=os.path.join(d, 'etc'),
            scs_metering_state_path=os.path.join(d, 'state'),
            scs_metering_log_dir=os.path.join(d, 'log'),
            scs_metering_db_connection=url,
            scs_metering_scs_metering_conf_overrides={
                'engine': {'settle_delay': 42}},
            scs_metering_policy_overrides={
                'scs-metering:sink:list': 'role:admin'})
        play = {'name': 'Apply os_scs_metering', 'hosts': 'localhost',
                'connection': 'local', 'gather_facts': True,
                'roles': ['os_scs_metering']}
        first = self.run_playbook(play, variables)
        upgrade = first.split('Upgrade the schema]', 1)[1].split('TASK')[0]
        self.assertIn('changed: [localhost]', upgrade)

        conf_path = os.path.join(d, 'etc', 'scs-metering.conf')
        # The user owns the state and the logs; it may read, not change,
        # the configuration, which nobody else may read.
        uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(user).gr_gid
        for path, owner, mode in (
                ('state', (uid, gid), 0o750), ('log', (uid, gid), 0o750),
                ('etc', (0, gid), 0o750),
                ('etc/scs-metering.conf', (0, gid), 0o640),
                ('etc/sinks.yaml', (0, gid), 0o640),
                ('etc/policy.yaml', (0, gid), 0o640)):
            st = os.stat(os.path.join(d, path))
            self.assertEqual((owner, mode), ((st.st_uid, st.st_gid),
                                             st.st_mode & 0o777), path)
        self.assertEqual([], deploy.unknown_options(conf_path))
        conf = deploy.read_ini(conf_path)
        # config_template merged the override into the rendered file.
        self.assertEqual('42', conf['engine']['settle_delay'])
        with open(os.path.join(d, 'etc', 'policy.yaml')) as f:
            self.assertEqual({'scs-metering:sink:list': 'role:admin'},
                             yaml.safe_load(f))
        self.assertTrue(os.path.exists(os.path.join(
            venv, 'bin', 'scs-metering-agent')))
        connection = db_api.get_connection(self.conf)
        self.addCleanup(connection.dispose)
        self.assertEqual(migration.head(), connection.version())
        status = subprocess.run(
            [os.path.join(venv, 'bin', 'scs-metering-status'),
             '--config-file', conf_path, 'upgrade', 'check'],
            capture_output=True, text=True, timeout=120)
        self.assertIn('Schema at %s' % migration.head(), status.stdout)

        # Applied again, only pip reinstalls the checkout (it cannot tell
        # a directory's version); the schema is left alone.
        second = self.run_playbook(play, variables)
        self.assertIn('changed=1 ', second)
        upgrade = second.split('Upgrade the schema]', 1)[1].split('TASK')[0]
        self.assertIn('skipping: [localhost]', upgrade)
