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
"""A real HTTP sink on loopback that misbehaves on demand.

It records every request, checks signatures, and notes when a record
arrives while another request carrying it is still being answered, which
would mean a batch was sent twice at once.
"""

import collections
import http.server
import json
import socket
import struct
import threading
import time

from scs_metering.publisher import http as http_sink

OK = ('status', 200)


def reset_connection(handler):
    # SO_LINGER 0: close() sends a TCP reset instead of a clean FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  struct.pack('ii', 1, 0))
    handler.connection.close()


def record_keys(documents):
    keys = []
    for document in documents:
        if 'specversion' in document:
            document = document['data']
        keys.append((document['id'], document['revision']))
    return keys


class Webhook:
    """Answers each POST by the next scripted behaviour, then ``default``.

    Behaviours: ('status', code[, headers[, body]]), ('sleep', seconds)
    then 200, ('reset',), ('hang', event) then 200 once the event is set.
    """

    def __init__(self, hmac_key=None, default=OK, tls=None):
        self.hmac_key = hmac_key
        self.default = default
        self.script = collections.deque()
        self.lock = threading.Lock()
        self.requests = []  # (headers, keys, status answered)
        self.delivered = collections.Counter()  # keys answered with 2xx
        self.in_flight = collections.Counter()
        self.overlaps = []  # keys that arrived while already in flight
        self.max_in_flight = 0
        self.bad_signatures = 0
        self.arrived = threading.Event()  # set at each request
        webhook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            # Headers and body go out in two writes: without this, each
            # answer waits for the client's delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                webhook.handle(self)

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        self.port = self.server.server_address[1]
        self.url = '%s://127.0.0.1:%d/usage' % (
            'https' if tls else 'http', self.port)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def then(self, *behaviours):
        with self.lock:
            self.script.extend(behaviours)
        return self

    def _next(self):
        with self.lock:
            return self.script.popleft() if self.script else self.default

    def received(self, documents):
        """Called with the records of every request, for subclasses."""

    def _verify(self, headers, body):
        timestamp = headers.get(http_sink.TIMESTAMP_HEADER)
        given = headers.get(http_sink.SIGNATURE_HEADER)
        if not timestamp or not given or given != http_sink.signature(
                self.hmac_key, int(timestamp), body):
            self.bad_signatures += 1

    def handle(self, handler):
        body = handler.rfile.read(int(handler.headers['Content-Length']))
        documents = json.loads(body)
        self.received(documents)
        keys = record_keys(documents)
        headers = dict(handler.headers)
        if self.hmac_key:
            self._verify(headers, body)
        with self.lock:
            self.overlaps.extend(k for k in keys if self.in_flight[k])
            self.in_flight.update(keys)
            self.max_in_flight = max(self.max_in_flight, sum(
                1 for r in self.requests if r[2] is None) + 1)
            request = [headers, keys, None]
            self.requests.append(request)
        self.arrived.set()
        try:
            self._answer(handler, request, keys, self._next())
        finally:
            with self.lock:
                self.in_flight.subtract(keys)
                if request[2] is None:
                    request[2] = 0

    def _settle(self, request, keys, code):
        # Noted before the body goes out: the client returns only once it
        # has read the body, so a test that checks right after a send
        # sees the delivery.
        with self.lock:
            request[2] = code
            if 200 <= code < 300:
                self.delivered.update(keys)

    def _unsettle(self, request, keys):
        with self.lock:
            if request[2] is not None and 200 <= request[2] < 300:
                # -= drops the keys that fall to zero, as if never counted.
                self.delivered -= collections.Counter(keys)
            request[2] = -2

    def _answer(self, handler, request, keys, behaviour):
        what = behaviour[0]
        if what == 'reset':
            reset_connection(handler)
            handler.close_connection = True
            request[2] = -1
            return
        if what == 'sleep':
            time.sleep(behaviour[1])
            behaviour = OK
        elif what == 'hang':
            behaviour[1].wait(60)
            behaviour = OK
        code = behaviour[1]
        headers = behaviour[2] if len(behaviour) > 2 else {}
        body = (behaviour[3] if len(behaviour) > 3 else 'ok').encode()
        try:
            handler.send_response(code)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header('Content-Length', str(len(body)))
            handler.end_headers()
            self._settle(request, keys, code)
            handler.wfile.write(body)
            handler.wfile.flush()
        except OSError:
            # The client gave up (a timeout); it will send the batch again.
            self._unsettle(request, keys)
