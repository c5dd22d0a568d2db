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
"""The meters' summary attributes, as the server's definitions have them."""

import unittest

from django.test import utils as test_utils

from scs_metering_dashboard import meters


class SummaryByTest(unittest.TestCase):

    def test_same_as_the_shipped_definitions(self):
        # The server is installed beside the dashboard in the test
        # environment; its shipped definitions are the reference.
        from scs_metering.definitions import loader
        definitions = loader.load_files(loader.shipped_files())
        self.assertEqual(
            {name: meter.summary_by
             for name, meter in definitions.meters.items()
             if meter.summary_by},
            meters.SHIPPED)

    def test_group_by_is_every_attribute_once(self):
        self.assertEqual(sorted({k for keys in meters.SHIPPED.values()
                                 for k in keys}), meters.group_by())

    def test_labels(self):
        self.assertEqual('m1.small, active', meters.group_label(
            'instance', {'flavor_name': 'm1.small', 'state': 'active',
                         'volume_type': None}))
        self.assertEqual('-', meters.group_label('volume.size',
                                                 {'volume_type': None}))
        self.assertEqual('all', meters.group_label('bandwidth', {}))

    @test_utils.override_settings(
        SCS_METERING_SUMMARY_BY={'bandwidth': ('host',)})
    def test_operator_definitions(self):
        self.assertEqual('node-1', meters.group_label(
            'bandwidth', {'host': 'node-1'}))
        self.assertIn('host', meters.group_by())
