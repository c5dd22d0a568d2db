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
"""The DevStack plugin, phase by phase, with DevStack's functions stubbed.

A full DevStack run needs a DevStack host; this checks what the plugin
asks DevStack to do and the files it writes, and runs shellcheck.
"""

import os
import pwd
import shutil
import subprocess
import sys

import yaml

from scs_metering.tests.functional import base
from scs_metering.tests.functional import deploy

DEVSTACK = os.path.join(deploy.REPO, 'devstack')
STUBS = os.path.join(os.path.dirname(__file__), 'data')
SERVICES = ('key,mysql,rabbit,n-api,n-cpu,n-cond,c-api,c-vol,q-svc,g-api,'
            'scs-metering-agent,scs-metering-engine,scs-metering-api')


class TestDevStackPlugin(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        d = self.tempdir
        self.calls = os.path.join(d, 'calls')
        self.fake_bin = os.path.join(d, 'bin')
        os.makedirs(self.fake_bin)
        # The commands the plugin runs itself record their arguments.
        for command in ('scs-metering-manage', 'scs-metering-status'):
            path = os.path.join(self.fake_bin, command)
            with open(path, 'w') as f:
                f.write('#!/bin/sh\necho "%s|$*" >> "%s"\n' % (
                    command, self.calls))
            os.chmod(path, 0o755)
        self.confs = {}
        for name in ('nova', 'nova-cpu', 'cinder', 'neutron', 'glance-api'):
            self.confs[name] = self.write_file(name + '.conf', '')
        self.env = {
            'PATH': os.environ['PATH'], 'PYTHON': sys.executable,
            'STUBS': STUBS, 'CALLS': self.calls, 'FAKE_BIN': self.fake_bin,
            'ENABLED_SERVICES': SERVICES, 'DEST': os.path.join(d, 'opt'),
            'DATA_DIR': os.path.join(d, 'data'), 'GIT_BASE': 'https://git',
            'STACK_USER': pwd.getpwuid(os.getuid()).pw_name,
            'SERVICE_PROTOCOL': 'http',
            'SERVICE_HOST': '10.0.0.1', 'REGION_NAME': 'RegionOne',
            'SERVICE_PASSWORD': 'secret', 'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_TIMEOUT': '60', 'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'KEYSTONE_SERVICE_URI': 'http://10.0.0.1/identity',
            'SCS_METERING_CONF_DIR': os.path.join(d, 'etc'),
            'NOVA_CONF': self.confs['nova'],
            'NOVA_CPU_CONF': self.confs['nova-cpu'],
            'CINDER_CONF': self.confs['cinder'],
            'NEUTRON_CONF': self.confs['neutron'],
            'GLANCE_API_CONF': self.confs['glance-api'],
        }
        self.conf_path = os.path.join(d, 'etc', 'scs-metering.conf')

    def phase(self, *args):
        """Source the plugin as stack.sh does, for one phase."""
        script = ('set -eu\n'
                  'source "$STUBS/devstack-functions.sh"\n'
                  'source "%s/settings"\n'
                  'source "%s/plugin.sh" "$@"\n' % (DEVSTACK, DEVSTACK))
        done = subprocess.run(['bash', '-c', script, 'stack.sh'] +
                              list(args), env=self.env, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(0, done.returncode, done.stderr)
        return self.recorded()

    def recorded(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            found = [tuple(line.rstrip('\n').split('|')) for line in f]
        os.unlink(self.calls)
        return found

    def stack(self):
        self.phase('stack', 'install')
        return self.phase('stack', 'post-config')

    def test_install(self):
        calls = self.phase('stack', 'install')
        source = os.path.join(self.tempdir, 'opt', 'scs-metering')
        self.assertEqual([('setup_develop', source),
                          ('setup_develop', os.path.join(source, 'client'))],
                         calls)

    def test_install_with_horizon_adds_the_dashboard(self):
        self.env['ENABLED_SERVICES'] = SERVICES + ',horizon'
        self.env['HORIZON_DIR'] = os.path.join(self.tempdir, 'horizon')
        local = os.path.join(self.env['HORIZON_DIR'], 'openstack_dashboard',
                             'local', 'enabled')
        os.makedirs(local)
        source = os.path.join(self.tempdir, 'opt', 'scs-metering')
        enabled = os.path.join(source, 'dashboard', 'scs_metering_dashboard',
                               'enabled')
        shutil.copytree(os.path.join(deploy.REPO, 'dashboard',
                                     'scs_metering_dashboard', 'enabled'),
                        enabled)
        calls = self.phase('stack', 'install')
        self.assertEqual([('setup_develop', source),
                          ('setup_develop', os.path.join(source, 'client')),
                          ('setup_develop', os.path.join(source,
                                                         'dashboard'))],
                         calls)
        files = sorted(f for f in os.listdir(enabled) if f[1].isdigit())
        self.assertTrue(files)
        self.assertEqual(files, sorted(os.listdir(local)))
        self.assertEqual(os.path.join(enabled, files[0]),
                         os.readlink(os.path.join(local, files[0])))
        self.phase('clean')
        self.assertEqual([], os.listdir(local))

    def test_post_config_writes_a_config_our_options_accept(self):
        self.stack()
        self.assertEqual([], deploy.unknown_options(
            self.conf_path, ignore_sections=('uwsgi',)))
        self.assertIsNone(deploy.bad_values(self.conf_path))
        conf = deploy.read_ini(self.conf_path)
        self.assertEqual('rabbit://stackrabbit:secret@10.0.0.1:5672/',
                         conf['DEFAULT']['transport_url'])
        self.assertIn('/scs_metering?', conf['database']['connection'])
        self.assertEqual('nova,cinder,neutron,glance',
                         conf['notification']['enabled_services'])
        self.assertEqual('keystone', conf['api']['auth_strategy'])
        self.assertEqual('scs-metering',
                         conf['keystone_authtoken']['username'])
        self.assertEqual('password',
                         conf['service_credentials']['auth_type'])
        self.assertEqual('9610', conf['metrics']['agent_port'])

    def test_post_config_files_are_the_stack_users_alone(self):
        # The services run as STACK_USER; the configuration holds
        # passwords and sink secrets, so nobody else may read it.
        self.stack()
        conf = deploy.read_ini(self.conf_path)
        for path, mode in (
                (self.conf_path, 0o600),
                (conf['publisher']['sinks_file'], 0o600),
                (os.path.dirname(self.conf_path), 0o750),
                (conf['DEFAULT']['state_path'], 0o750)):
            st = os.stat(path)
            self.assertEqual((os.getuid(), mode),
                             (st.st_uid, st.st_mode & 0o777), path)

    def test_post_config_seeds_a_file_sink(self):
        self.stack()
        conf = deploy.read_ini(self.conf_path)
        with open(conf['publisher']['sinks_file']) as f:
            sinks = yaml.safe_load(f)['sinks']
        self.assertEqual([{
            'name': 'devstack-usage', 'driver': 'file',
            'url': 'file://%s/data/scs-metering/usage.jsonl' % (
                self.tempdir)}], sinks)

    def test_post_config_makes_services_notify(self):
        self.stack()
        for name in ('nova', 'nova-cpu'):
            nova = deploy.read_ini(self.confs[name])
            self.assertEqual('messagingv2',
                             nova['oslo_messaging_notifications']['driver'])
            self.assertEqual('both',
                             nova['notifications']['notification_format'])
            self.assertEqual('hour',
                             nova['DEFAULT']['instance_usage_audit_period'])
        for name in ('cinder', 'neutron', 'glance-api'):
            self.assertEqual('messagingv2', deploy.read_ini(self.confs[name])[
                'oslo_messaging_notifications']['driver'])

    def test_post_config_accounts_database_and_queues(self):
        calls = self.stack()
        self.assertIn(('create_service_user', 'scs-metering', 'admin'), calls)
        self.assertIn(('get_or_create_service', 'scs-metering',
                       'usage-metering', 'Billing-grade usage metering'),
                      calls)
        self.assertIn(('get_or_create_endpoint', 'svc-id', 'RegionOne',
                       'http://10.0.0.1/usage'), calls)
        order = [c[0] for c in calls]
        # The schema exists once the database does.
        self.assertLess(order.index('recreate_database'),
                        order.index('scs-metering-manage'))
        self.assertIn(('scs-metering-manage', '--config-file %s db upgrade'
                       % self.conf_path), calls)
        self.assertIn(('rabbitmqctl', 'set_policy', 'scs-metering-dlx',
                       r'^scs-metering\.',
                       '{"dead-letter-exchange":"scs-metering.dlx"}',
                       '--apply-to', 'queues'), calls)

    def test_without_keystone_no_accounts(self):
        self.env['ENABLED_SERVICES'] = SERVICES.replace('key,', '')
        calls = self.stack()
        self.assertNotIn('create_service_user', [c[0] for c in calls])

    def test_uwsgi_config(self):
        self.stack()
        uwsgi = deploy.read_ini(os.path.join(
            self.tempdir, 'etc', 'scs-metering-api-uwsgi.ini'))['uwsgi']
        self.assertEqual('scs_metering.wsgi.api:application', uwsgi['module'])
        self.assertEqual('SCS_METERING_CONFIG_FILES=%s' % self.conf_path,
                         uwsgi['env'])

    def test_extra_starts_the_services(self):
        self.stack()
        calls = self.phase('stack', 'extra')
        bin_dir = self.fake_bin
        started = {c[1]: c[2] for c in calls if c[0] == 'run_process'}
        self.assertEqual({
            'scs-metering-engine': '%s/scs-metering-engine --config-file %s'
                                   % (bin_dir, self.conf_path),
            'scs-metering-agent': '%s/scs-metering-agent --config-file %s'
                                  % (bin_dir, self.conf_path),
            'scs-metering-reconciler': '%s/scs-metering-reconciler '
                                       '--config-file %s'
                                       % (bin_dir, self.conf_path),
        }, {k: v for k, v in started.items() if k != 'scs-metering-api'})
        self.assertIn('--ini %s/etc/scs-metering-api-uwsgi.ini' %
                      self.tempdir, started['scs-metering-api'])
        # run_process SERVICE COMMAND GROUP USER: never root.
        self.assertEqual({self.env['STACK_USER']},
                         {c[4] for c in calls if c[0] == 'run_process'})
        self.assertIn(('wait_for_service', '60',
                       'http://10.0.0.1/usage/healthcheck'), calls)

    def test_test_config_runs_the_status_check(self):
        self.stack()
        calls = self.phase('stack', 'test-config')
        self.assertEqual([('scs-metering-status', '--config-file %s upgrade '
                           'check' % self.conf_path)], calls)

    def test_unstack_and_clean(self):
        self.stack()
        calls = self.phase('unstack')
        self.assertEqual(['scs-metering-api', 'scs-metering-reconciler',
                          'scs-metering-agent', 'scs-metering-engine'],
                         [c[1] for c in calls if c[0] == 'stop_process'])
        self.phase('clean')
        self.assertFalse(os.path.exists(self.conf_path))

    def test_disabled_plugin_does_nothing(self):
        # settings enables the services; local.conf can disable them
        # after, as this does.
        script = ('source "$STUBS/devstack-functions.sh"\n'
                  'source "%s/settings"\n'
                  'ENABLED_SERVICES=key,n-api\n'
                  'source "%s/plugin.sh" stack post-config\n' % (
                      DEVSTACK, DEVSTACK))
        done = subprocess.run(['bash', '-c', script], env=self.env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertEqual([], self.recorded())


class TestShellcheck(base.FunctionalTestCase):

    def test_plugin_passes_shellcheck(self):
        shellcheck = shutil.which('shellcheck')
        if shellcheck is None:
            message = ('shellcheck is not installed (apt-get install '
                       'shellcheck; .ci/run installs it)')
            if base.IN_CI:
                self.fail(message)
            self.skipTest(message)
        done = subprocess.run(
            [shellcheck, '-x', 'devstack/plugin.sh', 'devstack/settings',
             os.path.relpath(os.path.join(STUBS, 'devstack-functions.sh'),
                             deploy.REPO)],
            cwd=deploy.REPO, capture_output=True, text=True, timeout=120)
        self.assertEqual(0, done.returncode, done.stdout + done.stderr)


class TestConfigCheck(base.FunctionalTestCase):
    """The check the deployment tests rely on finds what it should."""

    def test_misspelled_options_and_bad_values(self):
        path = self.write_file('typo.conf', (
            '[DEFAULT]\ntransport_url = rabbit://h/\n'
            '[metrics]\nagnet_port = 9610\n'
            '[keystone_authtoken]\nauth_type = password\nusername = x\n'
            'user_name = y\n'
            '[engine]\nsettle_delay = soon\n'))
        self.assertEqual(['[keystone_authtoken] user_name',
                          '[metrics] agnet_port'],
                         deploy.unknown_options(path))
        self.assertIn('settle_delay', deploy.bad_values(path))
