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
"""A metering service on loopback, with real data, for the dashboard.

A real Keystone (the functional tests' own, on SQLite), the metering API
as its console script starts it, and usage replayed by scs-metering-replay
from real notifications: the sample nova trace and cinder's volume
samples, with the projects of this Keystone in place of theirs. The
replay tool also delivers to the sinks, as the engine would; no engine
runs, so that windows close up to the trace's end and not up to now.
Three sinks: a webhook that refuses records (so there are dead letters),
a file, and a paused file sink (so there is a backlog).

The recorder (record.py) and the browser test (browser/) both run it.
Needs the server installed beside the dashboard, with Keystone: tox -e
dashboard has them.
"""

import datetime
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid

from cryptography import fernet
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

# scs_metering.tests first: it prepares the process (oslo.service's
# threading backend) before the server's modules load.
from scs_metering.tests import fixtures as fx
from scs_metering.db import api as db_api  # noqa: H306
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering import service
from scs_metering.tests.functional.api import keystone as keystone_mod
from scsmeteringclient.v1 import client as v1_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
TRACE = os.path.join(REPO, 'samples', 'nova-trace.jsonl')
# The projects of the sample trace, and the Keystone projects they become.
TRACE_PROJECTS = {'a1c3e5f7a9b1c3d5e7f9a1b3c5d7e9f1': 'alpha',
                  '9b8a7c6d5e4f30211203f4e5d6c7b8a9': 'beta'}
# Beyond the functional tests' users: a project without usage, and a user
# whose only role (service) gives no right to read usage.
USERS = {'gamma-member': ('gamma', 'member'),
         'delta-service': ('delta', 'service')}
VOLUME = '5c3a2f1e-0d9b-4c8a-b7e6-f5d4c3b2a190'
# Windows are closed up to the end of the trace's day, never up to now:
# usage stays what the trace says whenever the tests run.
UNTIL = '2026-11-03T00:00:00Z'


class Unavailable(Exception):
    """Something the stack needs is missing; the text names it."""


def free_port():
    return keystone_mod.free_port()


def wait_for_port(port, process, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError('exited early; see %s' % log)
        try:
            socket.create_connection(('127.0.0.1', port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError('nothing listens on %d; see %s' % (port, log))


def script(name):
    path = shutil.which(name, path=os.path.dirname(sys.executable))
    if path is None:
        raise Unavailable('%s is not installed next to %s' % (
            name, sys.executable))
    return path


class Webhook:
    """An HTTP sink that refuses records until told to accept them."""

    def __init__(self):
        self.accept = False
        # Requests accepted; a request carries a batch of records.
        self.received = 0
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get('Content-Length', 0)))
                if hook.accept:
                    hook.received += 1
                    self.send_response(204)
                    self.end_headers()
                    return
                body = b'400 Bad Request: unknown customer account'
                self.send_response(400)
                self.send_header('Content-Type', 'text/plain')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = 'http://127.0.0.1:%d/usage' % self.server.server_port
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _wire(message, when):
    """A cinder sample as the bus carries it, at ``when``."""
    message = dict(message, timestamp=when.replace('T', ' ').rstrip('Z'),
                   message_id=str(uuid.uuid4()))
    return json.dumps(fx.envelope(message))


def volume_trace(project_id):
    """A 10 GiB volume of ``project_id``, from 09:00 to 15:30 on Nov 2."""
    create = fx.load('cinder/volume.create.end.json')
    delete = fx.load('cinder/volume.delete.end.json')
    lines = []
    for sample, when in ((create, '2026-11-02T09:00:00Z'),
                         (delete, '2026-11-02T15:30:00Z')):
        payload = dict(sample['payload'], tenant_id=project_id,
                       volume_id=VOLUME, size=10,
                       created_at='2026-11-02T09:00:00+00:00',
                       launched_at='2026-11-02T09:00:00+00:00')
        if sample is delete:
            payload['deleted_at'] = '2026-11-02T15:30:00+00:00'
        lines.append(_wire(dict(sample, payload=payload), when))
    return lines


class Stack:

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='scs-dashboard-')
        self.processes = []
        self.webhook = None
        self.keystone = None

    def start(self):
        try:
            self.keystone = keystone_mod.Keystone(users=USERS)
            self.keystone.start()
        except keystone_mod.Unavailable as exc:
            raise Unavailable(str(exc))
        self.webhook = Webhook()
        self.config = self._write_config()
        subprocess.run([script('scs-metering-manage'), '--config-file',
                        self.config, 'db', 'upgrade'], check=True,
                       capture_output=True, timeout=300)
        self.api_url = self._serve('api', 'scs-metering-api', self.port)
        self._register_endpoint()
        self._create_sinks()
        self.replay(self.trace())
        self.seed_status()
        self.seed_quarantine()

    def _write_config(self):
        self.port = free_port()
        authtoken = '\n'.join('%s = %s' % item for item in sorted(
            self.keystone.authtoken_options().items()))
        path = os.path.join(self.dir, 'scs-metering.conf')
        with open(path, 'w') as f:
            f.write(textwrap.dedent('''\
                [DEFAULT]
                state_path = {d}
                [database]
                connection = sqlite:///{d}/metering.sqlite
                [api]
                host = 127.0.0.1
                port = {port}
                # The seeded workers (seed_status) keep their state for
                # the length of a browser walk.
                service_down_time = 3600
                auth_strategy = keystone
                allow_loopback_sinks = true
                [publisher]
                secret_keys = {key}
                # On SQLite one deliverer holds a lease, and a replay
                # keeps it after it exits: short, so the next can deliver.
                lease = 5
                [keystone_authtoken]
                ''').format(d=self.dir, port=self.port,
                            key=fernet.Fernet.generate_key().decode()))
            f.write(authtoken + '\n')
        return path

    def seed_status(self):
        """Workers up, stopped and down, and a stalled meter.

        No long-lived worker runs (see above), so the stack writes what
        theirs would, through the same storage calls: an engine's and an
        agent's heartbeats (periodic.Heartbeat: a clean stop's last beat
        says ``stopped``; a killed worker's beats just stop), and a
        failure of the window closer (engine/windows.py). The states are
        the API's own, from their ages and its service_down_time.
        """
        conf = service.new_conf()
        conf(['--config-file', self.config], project='scs-metering')
        storage = db_api.get_connection(conf)
        try:
            now = datetime.datetime.now(datetime.timezone.utc)
            started = now - datetime.timedelta(hours=6)
            for host, binary, info, silent in (
                    ('ctl-1:4242', 'scs-metering-engine', {}, 0),
                    ('ctl-1:4243', 'scs-metering-agent',
                     {'services': ['cinder', 'nova']}, 0),
                    ('ctl-2:5151', 'scs-metering-engine',
                     {'stopped': True}, 600),
                    ('ctl-3:6161', 'scs-metering-agent',
                     {'services': ['nova']}, 7200)):
                storage.beat(host, binary, started,
                             dict(info, pid=int(host.split(':')[1])),
                             now=now - datetime.timedelta(seconds=silent))
            storage.record_stall(
                ['volume.size'],
                'DBError: (sqlite3.IntegrityError) CHECK constraint '
                'failed: usage_records', now=now)
        finally:
            storage.dispose()

    def seed_quarantine(self):
        """Notifications the engine could not meter, as it keeps them.

        Stored through the engine's own call (ingest.Ingestor.store):
        alpha's volume creation as redelivered while the database was
        down (on retry it leaves, a duplicate of the trace's), a volume
        with a negative size and a message that is not UTF-8 (both fail
        again on retry, with the engine's reasons). The trace adds one
        of its own: its malformed line, quarantined by the replay.
        """
        conf = service.new_conf()
        conf(['--config-file', self.config], project='scs-metering')
        storage = db_api.get_connection(conf)
        with open(os.path.join(self.dir, 'trace.jsonl')) as f:
            created = f.read().splitlines()[-2]
        message = json.loads(json.loads(created)['oslo.message'])
        negative = dict(message, message_id=str(uuid.uuid4()),
                        payload=dict(message['payload'], size=-1))
        try:
            ingest.Ingestor(storage).store([], [
                ev.Quarantined(
                    'refused by the database: (psycopg2.OperationalError) '
                    'server closed the connection unexpectedly', created,
                    'cinder', message['event_type'],
                    message['publisher_id'], message['message_id']),
                ev.Quarantined(
                    'field size at /payload/size is -1, less than the '
                    'minimum 0',
                    json.dumps(fx.envelope(negative)), 'cinder',
                    negative['event_type'], negative['publisher_id'],
                    negative['message_id']),
                ev.Quarantined('not UTF-8 text: byte 0xff at position 9',
                               ev.raw_text(b'{"id": "a\xff\x00b"}'))])
        finally:
            storage.dispose()

    def _serve(self, name, command, port=None):
        log = os.path.join(self.dir, '%s.log' % name)
        process = subprocess.Popen(
            [script(command), '--config-file', self.config, '--log-file',
             log], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        if port is not None:
            wait_for_port(port, process, log)
            return 'http://127.0.0.1:%d' % port

    def _register_endpoint(self):
        admin = self.keystone.session()
        url = self.keystone.url
        service = admin.post(url + '/services', json={'service': {
            'type': v1_client.base.SERVICE_TYPE, 'name': 'scs-metering',
            'description': 'Billing-grade usage metering'}}).json()['service']
        for interface in ('public', 'internal'):
            admin.post(url + '/endpoints', json={'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'url': self.api_url, 'region_id': 'RegionOne'}})

    def client(self, user='admin'):
        """The v1 client of a user, with a token of their project."""
        project = 'admin' if user == 'admin' else self.keystone.users[
            user][0]
        token = self.keystone.session(user, project).get_token()
        return v1_client.Client(ks_session.Session(
            auth=token_endpoint.Token(self.api_url, token)),
            endpoint_override=self.api_url)

    def _create_sinks(self):
        api = self.client()
        self.sinks = {
            'billing': api.sinks.create(
                'billing', 'http', url=self.webhook.url,
                filters={'kinds': ['usage']}),
            'archive': api.sinks.create(
                'archive', 'file',
                url='file://%s/archive.jsonl' % self.dir),
            'warehouse': api.sinks.create(
                'warehouse', 'file',
                url='file://%s/warehouse.jsonl' % self.dir,
                filters={'kinds': ['usage']}),
        }
        api.sinks.pause(self.sinks['warehouse']['id'])

    def trace(self):
        """The replayed trace: the nova sample and a volume, re-homed."""
        ids = {sample: self.keystone.project_ids[name]
               for sample, name in TRACE_PROJECTS.items()}
        lines = []
        with open(TRACE) as f:
            for line in f:
                for sample, project_id in ids.items():
                    line = line.replace(sample, project_id)
                lines.append(line.rstrip('\n'))
        lines += volume_trace(self.keystone.project_ids['alpha'])
        path = os.path.join(self.dir, 'trace.jsonl')
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path

    def replay(self, trace):
        """Meter a trace, close its windows and deliver every backlog.

        With an empty trace, it only delivers: what the engine's delivery
        would do, run once.
        """
        subprocess.run(
            [script('scs-metering-replay'), '--config-file', self.config,
             '--sink-file', os.path.join(self.dir, 'replay.jsonl'),
             '--until', UNTIL, trace],
            check=True, capture_output=True, timeout=300, cwd=self.dir)
        self.replayed_at = time.monotonic()

    def deliver(self):
        empty = os.path.join(self.dir, 'empty.jsonl')
        open(empty, 'w').close()
        # The first replay's deliverer lease must have run out.
        time.sleep(max(0, self.replayed_at + 6 - time.monotonic()))
        self.replay(empty)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.webhook is not None:
            self.webhook.stop()
        if self.keystone is not None:
            self.keystone.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
