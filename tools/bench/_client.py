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
"""One client of the API benchmark, in a process of its own.

Reads one JSON request per line of its standard input ({"url", "params",
"token", "count", "warmup"}): sends "warmup" GETs, prints "ready", waits
for a line "go", sends "count" GETs one after the other on one
keep-alive connection, and prints a JSON
object with their latencies in milliseconds and the last answer's body.
Every answer must be 200.

    _client.py
"""

import json
import sys
import time

import requests


def main():
    session = requests.Session()
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        headers = {'X-Auth-Token': job['token']} if job.get('token') else {}

        def get():
            response = session.get(job['url'], params=job.get('params'),
                                   headers=headers, timeout=60)
            if response.status_code != 200:
                sys.exit('%s answered %d: %s' % (
                    job['url'], response.status_code, response.text[:500]))
            return response
        for _ in range(job['warmup']):
            get()
        print('ready', flush=True)
        sys.stdin.readline()
        latencies = []
        for _ in range(job['count']):
            begun = time.perf_counter()
            response = get()
            latencies.append((time.perf_counter() - begun) * 1000)
        print(json.dumps({'latencies': latencies, 'body': response.text}),
              flush=True)


if __name__ == '__main__':
    main()
