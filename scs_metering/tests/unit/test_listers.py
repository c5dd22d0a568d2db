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
"""Listers are plugins, found by resource type, with named errors."""

from scs_metering.conf import reconciliation as conf_reconciliation
from scs_metering.reconcile import listers
from scs_metering.reconcile.listers import base as lister_base
from scs_metering import service
from scs_metering.tests import base

SHIPPED = {'instance', 'volume', 'snapshot', 'backup', 'floating_ip',
           'router', 'image', 'loadbalancer', 'dns_zone', 'swift_account',
           'rgw_project'}


class ListersTest(base.TestCase):

    def test_every_shipped_type_has_a_lister(self):
        self.assertLessEqual(SHIPPED, set(conf_reconciliation.lister_names()))
        for resource_type in SHIPPED:
            lister = listers.load(self.conf, self.definitions(),
                                  resource_type)
            self.assertIsInstance(lister, (lister_base.Lister,
                                           lister_base.Poller))
            self.assertEqual(resource_type, lister.resource_type)

    def test_a_type_without_a_lister_is_named(self):
        error = self.assertRaises(listers.ListerNotFound, listers.load,
                                  self.conf, self.definitions(), 'mainframe')
        self.assertIn("no lister for resource type 'mainframe'", str(error))
        self.assertIn('available: backup, dns_zone', str(error))

    def test_a_type_not_enabled_is_named(self):
        error = self.assertRaises(listers.ListerNotEnabled, listers.load,
                                  self.conf, self.definitions(), 'instance',
                                  enabled=['volume'])
        self.assertIn('[reconciliation] resource_types', str(error))

    def test_the_configuration_names_a_type_without_a_lister(self):
        self.config('reconciliation', resource_types=['volume', 'mainframe'])
        error = self.assertRaises(service.ConfigError, service.validate,
                                  self.conf)
        self.assertIn("[reconciliation] resource_types: no lister is "
                      "registered for 'mainframe'", str(error))
