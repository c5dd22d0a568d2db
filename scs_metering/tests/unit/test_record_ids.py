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
"""Record ids named per resource are the documented UUID 5, byte for byte.

The window closer hashes the parts of a window's record ids that all its
resources share once (events.stable_ids, usage.record_ids); an id must
still be uuid5 of the parts joined by U+001F, as sinks and the native
schema document it.
"""

import datetime
import json
import uuid

from scs_metering.engine import usage
from scs_metering import events as ev
from scs_metering.tests import base

T0 = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc)
NAMESPACE = uuid.UUID('0c4e4f4e-5d0a-4b4e-9a52-7363732d6d74')


class RecordIdsTest(base.TestCase):

    def test_the_documented_uuid5(self):
        group = {'flavor_name': 'm1.größe', 'quote': 'a"b\\c',
                 'vcpus': 2, 'project_id': 'p'}
        ids = usage.record_ids('instance', 'instance', T0, group, 'ü')
        for resource_id in ('vm-1', 'vm-ä\x1f', '', 'x' * 300):
            name = '\x1f'.join([
                'usage', 'instance', 'instance', resource_id,
                '2026-11-02T10:00:00Z', json.dumps(group, sort_keys=True),
                json.dumps('ü')])
            self.assertEqual(str(uuid.uuid5(NAMESPACE, name)),
                             ids(resource_id))
            self.assertEqual(ids(resource_id), usage.record_id(
                'instance', 'instance', resource_id, T0, group, 'ü'))

    def test_stable_ids_is_stable_id(self):
        stable = ev.stable_ids(('a', 1), (None, 'z'))
        for middle in ('m', 7, 'ü' * 100):
            self.assertEqual(ev.stable_id('a', 1, middle, None, 'z'),
                             stable(middle))
