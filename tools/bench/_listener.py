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
"""The ingest benchmark's baseline: a listener that only acknowledges.

A bare oslo.messaging batch notification listener, configured as the agent
is (pool, topics, batch size and timeout, threading executor), whose
endpoint does nothing: every batch is acknowledged. It prints "ready",
then, when it has seen COUNT notifications, "done <time.monotonic()>" and
its peak RSS in KiB.

    _listener.py URL EXCHANGE POOL COUNT BATCH_SIZE BATCH_TIMEOUT
"""

import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging

TOPICS = ('notifications', 'versioned_notifications')


def peak_rss_kib(pid='self'):
    with open('/proc/%s/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


class Endpoint:

    def __init__(self, count):
        self.count = count
        self.seen = 0
        self.lock = threading.Lock()
        self.done = threading.Event()

    def info(self, notifications):
        with self.lock:
            self.seen += len(notifications)
            if self.seen >= self.count and not self.done.is_set():
                print('done %r' % time.monotonic(), flush=True)
                self.done.set()


def main(url, exchange, pool, count, batch_size, batch_timeout):
    conf = cfg.ConfigOpts()
    conf([], project='bench', default_config_files=[],
         default_config_dirs=[])
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    endpoint = Endpoint(int(count))
    listener = oslo_messaging.get_batch_notification_listener(
        transport, [oslo_messaging.Target(exchange=exchange, topic=topic)
                    for topic in TOPICS], [endpoint],
        executor='threading', pool=pool, batch_size=int(batch_size),
        batch_timeout=float(batch_timeout))
    listener.start()
    print('ready', flush=True)
    endpoint.done.wait()
    listener.stop()
    listener.wait()
    transport.cleanup()
    print('rss %d' % peak_rss_kib(), flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:])
