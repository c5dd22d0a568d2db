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
"""Real admin ops answers, recorded in the repository with secrets out.

``scs_metering/tests/functional/data/radosgw/`` holds what radosgw 16
answered to the traffic of test_usage. Unit tests and the simulated
cloud may read them as RGW's real formats; the functional test checks on
every run that the live answers still have the recorded shape.

Run the test with SCS_METERING_TEST_RGW_RECORD=1 to record them again.
Project ids become fixed placeholders, the test's random tag becomes
TAG, and key material is replaced.
"""

import json
import os

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'data',
                    'radosgw')
# Stable stand-ins for the projects' ids, which change every run.
PLACEHOLDERS = {
    'alpha': 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
    'beta': 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2',
    'gamma': 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3',
}


def answers(test):
    """The raw answers to record, from the running test's cluster."""
    admin, alpha = test.admin, test.rgw_user('alpha')
    start = test.start.strftime('%Y-%m-%d %H:%M:%S')
    bucket = '%s/%s' % (test.project('alpha'),
                        test.bucket_name('alpha-photos'))
    return {
        'admin-usage-resp.json': admin.request('GET', 'usage', [
            ('uid', alpha), ('start', start), ('show-entries', 'true'),
            ('show-summary', 'true')]),
        'admin-bucket-list-stats-resp.json': admin.request(
            'GET', 'bucket', [('uid', alpha), ('stats', 'true')]),
        'admin-bucket-info-resp.json': admin.request(
            'GET', 'bucket', [('bucket', bucket), ('stats', 'true')]),
        'admin-user-info-stats-resp.json': _without_keys(admin.request(
            'GET', 'user', [('uid', alpha), ('stats', 'true')], log=False)),
        'admin-user-list-resp.json': admin.request(
            'GET', 'user', [('list', None), ('max-entries', 2)]),
    }


def _without_keys(user):
    for key in user.get('keys', ()):
        key.update(access_key='<access key>', secret_key='<secret key>')
    for key in user.get('swift_keys', ()):
        key.update(secret_key='<secret key>')
    return user


def _scrub(text, test):
    for name, placeholder in PLACEHOLDERS.items():
        text = text.replace(test.project(name), placeholder)
    return text.replace(test.tag, 'TAG')


def save_if_asked(found, test):
    if not os.environ.get('SCS_METERING_TEST_RGW_RECORD'):
        return
    os.makedirs(DATA, exist_ok=True)
    for name, body in found.items():
        with open(os.path.join(DATA, name), 'w') as f:
            f.write(_scrub(json.dumps(body, indent=4), test))
            f.write('\n')


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def shape(value):
    """The structure of a JSON value: keys and types, not values.

    A list's shape is the set of its items' shapes, so a list of ten
    alike items has the shape of a list of one.
    """
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted({json.dumps(shape(item), sort_keys=True)
                       for item in value})
    return type(value).__name__
