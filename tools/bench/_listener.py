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
"""The ingest benchmark's baseline: listeners that only acknowledge.

Bare oslo.messaging batch notification listeners, one per service and
configured as the agent's are (a pool per service, both notification
topics, batch size and timeout, the threading executor), whose endpoint
does nothing: every batch is acknowledged. It prints "ready" once every
listener consumes, then, when it has seen COUNT notifications, "done
<time.monotonic()>"; it stops when its standard input closes.

    _listener.py URL POOL COUNT BATCH_SIZE BATCH_TIMEOUT SERVICE=EXCHANGE...
"""

import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging

TOPICS = ('notifications', 'versioned_notifications')


class Endpoint:

    def __init__(self, count):
        self.count = count
        self.seen = 0
        self.said = False
        self.lock = threading.Lock()

    def info(self, notifications):
        with self.lock:
            self.seen += len(notifications)
            if self.seen >= self.count and not self.said:
                self.said = True
                print('done %r' % time.monotonic(), flush=True)


def main(url, pool, count, batch_size, batch_timeout, *services):
    conf = cfg.ConfigOpts()
    conf([], project='bench', default_config_files=[],
         default_config_dirs=[])
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    endpoint = Endpoint(int(count))
    listeners = []
    for item in services:
        service, exchange = item.split('=', 1)
        listener = oslo_messaging.get_batch_notification_listener(
            transport, [oslo_messaging.Target(exchange=exchange, topic=topic)
                        for topic in TOPICS], [endpoint],
            executor='threading', pool='%s.%s' % (pool, service),
            batch_size=int(batch_size), batch_timeout=float(batch_timeout))
        listener.start()
        listeners.append(listener)
    print('ready', flush=True)
    sys.stdin.read()
    for listener in listeners:
        listener.stop()
    for listener in listeners:
        listener.wait()
    transport.cleanup()


if __name__ == '__main__':
    main(*sys.argv[1:])
