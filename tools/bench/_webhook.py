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
"""The push benchmark's sink: the tests' webhook, in a process of its own.

Prints "url <URL>", then obeys one command per line of its standard
input: "fail" answers 503 from then on; "ok" forgets what was delivered,
answers 200 from then on and prints "first <time.monotonic()>" once the
next delivery arrives. It stops when its standard input closes.

    _webhook.py
"""

import sys
import threading
import time

from scs_metering.tests import webhook


def _first(hook):
    while not hook.delivered:
        time.sleep(0.001)
    print('first %r' % time.monotonic(), flush=True)


def main():
    hook = webhook.Webhook()
    print('url %s' % hook.url, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == 'fail':
            hook.default = ('status', 503)
        elif command == 'ok':
            hook.delivered.clear()
            hook.default = webhook.OK
            threading.Thread(target=_first, args=(hook,), daemon=True).start()
    hook.stop()


if __name__ == '__main__':
    main()
