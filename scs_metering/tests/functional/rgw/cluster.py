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
"""A real one-node Ceph with a RADOS Gateway on loopback.

Made the way Ceph's own vstart.sh makes a development cluster, from
Debian's packages (ceph-mon, ceph-osd, radosgw): one monitor, one OSD
whose object store lives in memory (memstore), and one radosgw, all
children of the test process, with no systemd, no manager daemon and
nothing outside a temporary directory. The cephx keys are generated
locally and handed to the monitor when its store is made.

radosgw authenticates Swift tokens and S3 EC2 credentials against the
test process's Keystone (scs_metering.tests.functional.api.keystone),
with implicit tenants and the project in the Swift URL, as Sovereign
Cloud Stack clouds configure it. The usage log is flushed every second.

Use ``get()``: the cluster is started once per test process and stopped
when it exits. ``python -m scs_metering.tests.functional.rgw.cluster``
starts one by hand and prints its endpoints.
"""

import atexit
import ctypes
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from scs_metering.reconcile import rgw_client
from scs_metering.tests.functional.api import keystone as ks

# What each needed command comes from, for the message when one is missing.
PACKAGES = {
    'ceph-mon': 'ceph-mon', 'ceph-osd': 'ceph-osd', 'radosgw': 'radosgw',
    'ceph': 'ceph-common', 'ceph-authtool': 'ceph-common',
    'radosgw-admin': 'ceph-common', 'monmaptool': 'ceph-base',
}
# The admin ops user of scs-metering, and the caps issue 19 asks for.
ADMIN_UID = 'scs-metering-admin'
ADMIN_CAPS = 'usage=read; buckets=read; users=read'
# The Keystone user radosgw checks tokens as (see keystone.USERS).
KEYSTONE_USER = 'ceph-rgw'
START_TIMEOUT = 120

_CONF = '''\
[global]
fsid = {fsid}
mon_host = [v2:127.0.0.1:{mon_port}]
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = {d}/keyring
run_dir = {d}/run
admin_socket = {d}/run/$name.asok
log_file = {d}/log/$name.log
log_to_stderr = false
err_to_stderr = true
# One OSD: pools of one replica, placed on the one host.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 1
osd_pool_default_pgp_num = 1
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
# The shared disk may be fuller than a production monitor likes.
mon_data_avail_warn = 1
mon_data_avail_crit = 1
# Settle changes quickly: nothing here needs batching.
paxos_propose_interval = 0.1

[mon]
mon_data = {d}/mon.$id
mon_initial_members = a

[osd]
osd_data = {d}/osd.$id
osd_objectstore = memstore
memstore_device_bytes = 536870912
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2

[client.rgw.a]
rgw_data = {d}/rgw
rgw_thread_pool_size = 32
debug_rgw = 1
# Traffic per user, bucket and hour; flushed to RADOS every second here
# (default 30 s, or once 1024 user-bucket pairs are pending).
rgw_enable_usage_log = true
rgw_usage_log_tick_interval = 1
rgw_usage_log_flush_threshold = 1
# Keystone: Swift tokens and S3 EC2 credentials, projects as tenants.
rgw_keystone_url = {keystone_url}
rgw_keystone_api_version = 3
rgw_keystone_admin_user = {keystone_user}
rgw_keystone_admin_password = {keystone_password}
rgw_keystone_admin_project = service
rgw_keystone_admin_domain = Default
rgw_keystone_accepted_roles = member, admin
rgw_keystone_implicit_tenants = true
rgw_s3_auth_use_keystone = true
# Local keys (the admin ops user's) first: otherwise each admin request
# costs a failed Keystone s3tokens call first (0.39 s against 0.05 s).
rgw_s3_auth_order = sts, local, external
rgw_swift_account_in_url = true
'''


class Unavailable(Exception):
    """The Ceph packages are not installed here."""


def _die_with_parent():
    """Run in the child: end with the test process, even on SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Cluster:
    """One monitor, one memstore OSD and one radosgw, on free ports."""

    def __init__(self, keystone):
        self.keystone = keystone
        self.dir = tempfile.mkdtemp(prefix='scs-ceph-')
        self.conf = os.path.join(self.dir, 'ceph.conf')
        self.fsid = str(uuid.uuid4())
        self.mon_port = ks.free_port()
        self.rgw_port = ks.free_port()
        self.endpoint = 'http://127.0.0.1:%d' % self.rgw_port
        self.admin_access = self.admin_secret = None
        self.processes = {}
        self.timings = {}

    def swift_url(self, project_id):
        """The Swift storage URL of a project (its account is in the URL)."""
        return '%s/swift/v1/AUTH_%s' % (self.endpoint, project_id)

    @staticmethod
    def tenant_user(project_id):
        """The RGW user of a Keystone project under implicit tenants."""
        return '%s$%s' % (project_id, project_id)

    def start(self):
        missing = [name for name in PACKAGES if not shutil.which(name)]
        if missing:
            raise Unavailable('Ceph RGW is not installed: %s missing '
                              '(apt-get install %s)' % (
                                  ', '.join(missing),
                                  ' '.join(sorted({PACKAGES[m]
                                                   for m in missing}))))
        began = time.monotonic()
        for sub in ('run', 'log', 'rgw', 'osd.0'):
            os.mkdir(os.path.join(self.dir, sub))
        with open(self.conf, 'w') as f:
            f.write(_CONF.format(
                d=self.dir, fsid=self.fsid, mon_port=self.mon_port,
                keystone_url=self.keystone.url.rsplit('/v3', 1)[0],
                keystone_user=KEYSTONE_USER,
                keystone_password=ks.PASSWORD))
        self._keys()
        self._phase('keys', began)
        self._mon()
        self._phase('mon', began)
        self._osd()
        self._phase('osd', began)
        # radosgw-admin needs only RADOS: it makes radosgw's pools.
        self._admin_user()
        self._phase('admin user', began)
        self._rgw()
        self._phase('rgw', began)

    def _phase(self, name, began):
        self.timings[name] = round(time.monotonic() - began, 2)

    def _run(self, *argv, timeout=60):
        try:
            done = subprocess.run(argv, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError('%s timed out after %ss; logs in %s' % (
                ' '.join(argv[:3]), timeout, self.dir))
        if done.returncode:
            raise RuntimeError('%s failed (%d): %s' % (
                ' '.join(argv), done.returncode,
                (done.stderr or done.stdout).strip()[-2000:]))
        return done.stdout

    def ceph(self, *args):
        """The ceph CLI as client.admin, JSON out."""
        out = self._run('ceph', '-c', self.conf, '--connect-timeout', '30',
                        '--format', 'json', *args)
        return json.loads(out) if out.strip() else None

    def radosgw_admin(self, *args):
        """radosgw-admin as client.admin, JSON out (or None)."""
        out = self._run('radosgw-admin', '-c', self.conf, *args)
        return json.loads(out) if out.strip() else None

    def _keys(self):
        """Every key of the cluster, made here; the monitor gets them all."""
        keyring = os.path.join(self.dir, 'keyring')
        entities = (
            ('mon.', ('mon', 'allow *')),
            ('client.admin', ('mon', 'allow *', 'osd', 'allow *',
                              'mgr', 'allow *')),
            ('osd.0', ('mon', 'allow profile osd', 'osd', 'allow *',
                       'mgr', 'allow profile osd')),
            ('client.rgw.a', ('mon', 'allow rw', 'osd', 'allow rwx')),
        )
        for number, (name, caps) in enumerate(entities):
            argv = ['ceph-authtool', keyring, '--gen-key', '-n', name]
            if not number:
                argv.insert(2, '--create-keyring')
            for kind, cap in zip(caps[::2], caps[1::2]):
                argv += ['--cap', kind, cap]
            self._run(*argv)

    def _daemon(self, name, *argv):
        """Start a daemon in the foreground, named as its Ceph entity."""
        log = open(os.path.join(self.dir, 'log', '%s.stderr' % name), 'w')
        self.processes[name] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        log.close()

    def _mon(self):
        monmap = os.path.join(self.dir, 'monmap')
        self._run('monmaptool', '--create', '--clobber', '--fsid',
                  self.fsid, '--addv', 'a',
                  '[v2:127.0.0.1:%d]' % self.mon_port, monmap)
        self._run('ceph-mon', '-c', self.conf, '--mkfs', '-i', 'a',
                  '--monmap', monmap,
                  '--keyring', os.path.join(self.dir, 'keyring'))
        self._daemon('mon.a', 'ceph-mon', '-c', self.conf, '-f', '-i', 'a')
        self._wait(lambda: _listening(self.mon_port), 'ceph-mon', 'mon.a')

    def _osd(self):
        osd_uuid = str(uuid.uuid4())
        osd_id = self.ceph('osd', 'new', osd_uuid).get('osdid')
        if osd_id != 0:
            raise RuntimeError('the monitor gave the OSD id %r, not 0'
                               % (osd_id,))
        self._run('ceph-osd', '-c', self.conf, '-i', '0', '--mkfs',
                  '--osd-uuid', osd_uuid, '--no-mon-config')
        self._daemon('osd.0', 'ceph-osd', '-c', self.conf, '-f', '-i', '0')
        # radosgw waits for the OSD itself: no need to wait here.

    def _rgw(self, attempts=3):
        """Start radosgw; on another free port if its port was taken."""
        for attempt in range(attempts):
            self._daemon('client.rgw.a', 'radosgw', '-c', self.conf, '-f',
                         '-n', 'client.rgw.a', '--rgw-frontends',
                         'beast endpoint=127.0.0.1:%d' % self.rgw_port)
            try:
                self._wait(self._rgw_ready, 'radosgw', 'client.rgw.a')
                return
            except RuntimeError:
                if (self.processes['client.rgw.a'].returncode !=
                        errno.EADDRINUSE or attempt == attempts - 1):
                    raise
            self.rgw_port = ks.free_port()
            self.endpoint = 'http://127.0.0.1:%d' % self.rgw_port

    def _rgw_ready(self):
        """Our radosgw answers our admin user.

        Not merely a listening port, which anything could hold; and an
        admin request, which the usage log leaves out, where an anonymous
        probe would be logged.
        """
        try:
            return requests.get(
                self.endpoint + '/admin/usage?uid=nobody', timeout=2,
                auth=rgw_client.SigV4(self.admin_access, self.admin_secret,
                                      'us-east-1')).status_code == 200
        except requests.RequestException:
            return False

    def _admin_user(self):
        user = self.radosgw_admin(
            'user', 'create', '--uid', ADMIN_UID,
            '--display-name', 'scs-metering admin ops reader',
            '--caps', ADMIN_CAPS)
        key = user['keys'][0]
        self.admin_access, self.admin_secret = (key['access_key'],
                                                key['secret_key'])

    def _wait(self, check, what, process):
        deadline = time.monotonic() + START_TIMEOUT
        while not check():
            for name, child in self.processes.items():
                if child.poll() is not None:
                    raise RuntimeError('%s exited with %s; see %s' % (
                        name, child.returncode, self._log_tail(name)))
            if time.monotonic() > deadline:
                raise RuntimeError('%s did not answer in %ds; see %s' % (
                    what, START_TIMEOUT, self._log_tail(process)))
            time.sleep(0.1)

    def _log_tail(self, name):
        """The last lines a daemon wrote, for the error message."""
        lines = []
        for suffix in ('stderr', 'log'):
            path = os.path.join(self.dir, 'log', '%s.%s' % (name, suffix))
            try:
                with open(path, errors='replace') as f:
                    lines += [path + ':'] + f.read().splitlines()[-15:]
            except OSError:
                pass
        return '\n'.join(lines) or self.dir

    def stop(self):
        """Stop the daemons, radosgw first, and remove the directory."""
        for name in ('client.rgw.a', 'osd.0', 'mon.a'):
            child = self.processes.pop(name, None)
            if child is None or child.poll() is not None:
                continue
            child.terminate()
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


def _listening(port):
    try:
        socket.create_connection(('127.0.0.1', port), 0.5).close()
        return True
    except OSError:
        return False


_cluster = None
_failure = None


def get():
    """The cluster of this test process, started on first use.

    Raises Unavailable when the packages are missing (or Keystone is),
    RuntimeError when they are there but the cluster does not start. A
    start that failed is not tried again by the next test of the process.
    """
    global _cluster, _failure
    if _failure is not None:
        raise _failure
    if _cluster is None:
        try:
            keystone = ks.get()
            cluster = Cluster(keystone)
            atexit.register(cluster.stop)
            try:
                cluster.start()
            except BaseException:
                cluster.stop()
                raise
        except ks.Unavailable as exc:
            _failure = Unavailable(str(exc))
            raise _failure
        except (Unavailable, RuntimeError) as exc:
            _failure = exc
            raise
        _cluster = cluster
    return _cluster


def main():
    # Stop the daemons (and Keystone) on kill as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    cluster = get()
    print(json.dumps({
        'endpoint': cluster.endpoint, 'admin_access': cluster.admin_access,
        'admin_secret': cluster.admin_secret, 'conf': cluster.conf,
        'keystone': cluster.keystone.url,
        'projects': cluster.keystone.project_ids,
        'timings': cluster.timings}, indent=2), flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())
