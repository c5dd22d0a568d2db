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
"""A simulated RADOS Gateway admin ops API, on loopback. A TEST TOOL.

It keeps what a real radosgw keeps: bucket stats per user and a usage
log of one entry per user, bucket, hour and category, which requests
add into. It answers the four admin calls the poller makes (user list in
pages, a user's buckets with stats, the usage log of a time range, and
trimming it) in the forms of RGW's documented answers
(``../shared/fixtures/api/radosgw/``): the bucket stats are the
fixture's, with this simulation's owner, name and figures. Requests must
be SigV4-signed with the simulated admin's access key; the real
signature check is radosgw's own, in the functional tests.

Faults: ``fail(resource, status, times)`` makes calls of a resource
(``user``, ``bucket``, ``usage``) answer an error status.
"""

import collections
import copy
import datetime
import http.server
import json
import threading
from urllib import parse

from scs_metering.common import timeutils
from scs_metering.tests import fixtures as fx

ACCESS_KEY = 'simulated-admin'
SECRET_KEY = 'simulated-secret'
# The figures of a usage category, in RGW's order.
FIGURES = ('bytes_sent', 'bytes_received', 'ops', 'successful_ops')


def _hour(when):
    return timeutils.epoch(when) // 3600 * 3600


def _rgw_time(text):
    when = datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S')
    return timeutils.epoch(when.replace(tzinfo=datetime.timezone.utc))


class SimulatedRGW:
    """An RGW of the simulated cloud, in a thread of its own."""

    def __init__(self, host='127.0.0.1', port=0, admin_entry='admin'):
        self.admin_entry = admin_entry
        self.stats = collections.defaultdict(lambda: [0, 0])
        self.log = collections.defaultdict(lambda: [0, 0, 0, 0])
        self.users = set()
        self.requests = []
        self.trimmed = []
        self._faults = {}
        self._lock = threading.Lock()
        self._bucket = fx.load('radosgw/admin-bucket-stats-resp.json',
                               root=fx.API)
        self.server = http.server.ThreadingHTTPServer(
            (host, port), _handler(self))
        self.server.daemon_threads = True
        self.endpoint = 'http://%s:%d' % self.server.server_address
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name='simulated-rgw', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def configure(self, conf):
        """Point the product's [rgw] options at this RGW."""
        for name, value in (('endpoint', self.endpoint),
                            ('admin_entry', self.admin_entry),
                            ('access_key', ACCESS_KEY),
                            ('secret_key', SECRET_KEY), ('timeout', 5)):
            conf.set_override(name, value, 'rgw')

    def fail(self, resource, status=500, times=None):
        with self._lock:
            self._faults[resource] = [status, times]

    def heal(self):
        with self._lock:
            self._faults.clear()

    # What users do ---------------------------------------------------

    def request(self, uid, bucket, category, when, sent=0, received=0,
                ok=True):
        """One request, added into its hour's usage entry."""
        with self._lock:
            self.users.add(uid)
            entry = self.log[uid, bucket, _hour(when), category]
            for i, value in enumerate((sent, received, 1, int(ok))):
                entry[i] += value

    def put(self, uid, bucket, size, when):
        with self._lock:
            stored = self.stats[uid, bucket]
            stored[0] += size
            stored[1] += 1
        self.request(uid, bucket, 'put_obj', when, received=size)

    def get(self, uid, bucket, size, when):
        self.request(uid, bucket, 'get_obj', when, sent=size)

    def delete(self, uid, bucket, size, when):
        with self._lock:
            stored = self.stats[uid, bucket]
            stored[0] -= size
            stored[1] -= 1
        self.request(uid, bucket, 'delete_obj', when)

    # Answers -----------------------------------------------------------

    def fault(self, resource):
        with self._lock:
            found = self._faults.get(resource)
            if found is None:
                return None
            status, times = found
            if times is not None:
                if times <= 0:
                    return None
                found[1] -= 1
            return status

    def user_list(self, query):
        with self._lock:
            users = sorted(self.users | {u for u, _b in self.stats})
        size = int(query.get('max-entries', 1000))
        marker = query.get('marker')
        after = [u for u in users if marker is None or u > marker]
        page = after[:size]
        body = {'keys': page, 'truncated': len(after) > size,
                'count': len(page)}
        if body['truncated']:
            body['marker'] = page[-1]
        return 200, body

    def buckets(self, query):
        uid = query.get('uid')
        with self._lock:
            known = uid in self.users or any(
                u == uid for u, _b in self.stats)
            found = sorted((b, list(v)) for (u, b), v in self.stats.items()
                           if u == uid)
        if not known:
            return 404, {'Code': 'NoSuchUser'}
        answer = []
        for name, (size, objects) in found:
            bucket = copy.deepcopy(self._bucket)
            tenant, _sep, _user = uid.rpartition('$')
            bucket.update({'bucket': name, 'owner': uid, 'tenant': tenant})
            main = bucket['usage']['rgw.main']
            rounded = (size + 4095) // 4096 * 4096
            main.update({'size': size, 'size_actual': rounded,
                         'size_utilized': size,
                         'size_kb': (size + 1023) // 1024,
                         'size_kb_actual': rounded // 1024,
                         'size_kb_utilized': (size + 1023) // 1024,
                         'num_objects': objects})
            answer.append(bucket)
        return 200, answer

    def usage(self, query):
        start = _rgw_time(query['start']) if 'start' in query else 0
        end = _rgw_time(query['end']) if 'end' in query else 2 ** 40
        uid = query.get('uid')
        parts = collections.defaultdict(lambda: collections.defaultdict(
            list))
        with self._lock:
            for (user, bucket, epoch, category), figures in sorted(
                    self.log.items()):
                if start <= epoch < end and uid in (None, user):
                    parts[user][bucket, epoch].append(dict(
                        zip(FIGURES, figures), category=category))
        entries = []
        for user, buckets in sorted(parts.items()):
            entries.append({'user': user, 'buckets': [{
                'bucket': bucket, 'epoch': epoch, 'owner': user,
                'time': timeutils.from_epoch(epoch).strftime(
                    '%Y-%m-%d %H:%M:%S.000000Z'),
                'categories': categories}
                for (bucket, epoch), categories in sorted(buckets.items())]})
        return 200, {'entries': entries, 'summary': []}

    def trim(self, query):
        start = _rgw_time(query['start']) if 'start' in query else 0
        end = _rgw_time(query['end']) if 'end' in query else 2 ** 40
        with self._lock:
            self.trimmed.append((start, end))
            for key in [k for k in self.log if start <= k[2] < end]:
                del self.log[key]
        return 200, None


def _handler(rgw):

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def _send(self, status, body):
            data = b'' if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer(self):
            url = parse.urlsplit(self.path)
            query = dict(parse.parse_qsl(url.query, keep_blank_values=True))
            resource = url.path.rsplit('/', 1)[-1]
            rgw.requests.append((self.command, resource, query))
            auth = self.headers.get('Authorization', '')
            if not auth.startswith('AWS4-HMAC-SHA256 Credential=%s/'
                                   % ACCESS_KEY):
                return self._send(403, {'Code': 'InvalidAccessKeyId'})
            if not url.path.startswith('/%s/' % rgw.admin_entry):
                return self._send(404, {'Code': 'NoSuchBucket'})
            status = rgw.fault(resource)
            if status is not None:
                return self._send(status, {'Code': 'InternalError'})
            if self.command == 'DELETE' and resource == 'usage':
                return self._send(*rgw.trim(query))
            handlers = {'user': rgw.user_list, 'bucket': rgw.buckets,
                        'usage': rgw.usage}
            if self.command != 'GET' or resource not in handlers:
                return self._send(405, {'Code': 'MethodNotAllowed'})
            return self._send(*handlers[resource](query))

        do_GET = do_DELETE = _answer

    return Handler
