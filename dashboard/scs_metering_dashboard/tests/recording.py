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
"""Where recorded answers live, and what identifies a request."""

import json
import os
import urllib.parse

RECORDED = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'recorded')


def key(method, url, body):
    """What identifies a request: method, path, sorted query, body."""
    parts = urllib.parse.urlsplit(url)
    query = sorted(urllib.parse.parse_qsl(parts.query,
                                          keep_blank_values=True))
    if isinstance(body, bytes):
        body = body.decode()
    return [method, parts.path, [list(q) for q in query],
            json.loads(body) if body else None]


def load(name):
    with open(os.path.join(RECORDED, name + '.json')) as f:
        return json.load(f)
