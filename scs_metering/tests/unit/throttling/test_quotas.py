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
"""cinder_quota and neutron_quota against the simulated quota APIs.

The simulated services (simulator/quotas.py) answer in the real APIs'
shapes over HTTP on loopback, and refuse a limit below what is in use
as cinder and neutron do; the enforcers reach them through keystoneauth
with an admin token and [enforcement] endpoint_overrides.
"""

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from scs_metering.tests import base
from scs_metering.tests.simulator import quotas as sim_quotas
from scs_metering.tests import throttling as th
from scs_metering.throttling.enforcers import clients
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling import errors

PROJECT = '9c1d5e4b6a0f4e2c8d7b3a5f1e0c2d4b'


class QuotaEnforcerTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.api = sim_quotas.QuotaAPI().start()
        self.addCleanup(self.api.stop)
        self.config('enforcement', endpoint_overrides={
            'block-storage': self.api.cinder_endpoint,
            'network': self.api.neutron_endpoint})
        # An admin token, as a keystoneauth plugin of [enforcement] gets.
        session = ks_session.Session(auth=token_endpoint.Token(
            self.api.base, 'admin-token'))
        self.loader = loader_.Loader(
            self.conf, clients=clients.Clients(self.conf, session=session))
        self.cinder = self.loader.get('cinder_quota')
        self.neutron = self.loader.get('neutron_quota')

    def test_cinder_freezes_at_use_and_restores_exactly(self):
        self.api.set_usage('cinder', PROJECT, 'gigabytes', 40, reserved=2)
        params = {'resource': 'gigabytes'}
        first = self.cinder.apply(PROJECT, params)
        self.assertEqual(({'limit': 1000}, {'limit': 42}, True), first)
        self.assertEqual(42, self.api.limit('cinder', PROJECT, 'gigabytes'))
        again = self.cinder.apply(PROJECT, params, prior=first.prior)
        self.assertFalse(again.changed)
        self.assertEqual([('PUT', '/volume/v3/%s/os-quota-sets/%s' % (
            self.api.admin_project, PROJECT),
            {'quota_set': {'gigabytes': 42}})], self.api.writes())
        self.assertIsNone(self.cinder.check(PROJECT, params, first.applied))
        self.assertTrue(self.cinder.revert(PROJECT, params, first.prior))
        self.assertFalse(self.cinder.revert(PROJECT, params, first.prior))
        self.assertEqual(1000, self.api.limit('cinder', PROJECT,
                                              'gigabytes'))
        self.assertEqual(2, len(self.api.writes()))

    def test_cinder_refuses_a_limit_below_in_use(self):
        self.api.set_usage('cinder', PROJECT, 'volumes', 7)
        exc = self.assertRaises(
            errors.EnforcerError, self.cinder.write, PROJECT,
            {'resource': 'volumes'}, {}, {'limit': 6})
        self.assertIn('HTTP 400: Quota volumes limit must be equal or '
                      'greater than existing resources. Current usage is 7 '
                      'and the requested limit is 6.', str(exc))
        self.assertFalse(exc.retry)
        self.assertEqual(10, self.api.limit('cinder', PROJECT, 'volumes'))
        # So a value below use freezes at use, never below it.
        done = self.cinder.apply(PROJECT, {'resource': 'volumes',
                                           'value': 2})
        self.assertEqual({'limit': 7}, done.applied)

    def test_a_value_above_use_is_held_and_never_loosens(self):
        self.api.set_usage('cinder', PROJECT, 'gigabytes', 40)
        done = self.cinder.apply(PROJECT, {'resource': 'gigabytes',
                                           'value': 100})
        self.assertEqual({'limit': 100}, done.applied)
        self.api.set_limit('cinder', PROJECT, 'snapshots', 3)
        done = self.cinder.apply(PROJECT, {'resource': 'snapshots',
                                           'value': 5})
        self.assertEqual(({'limit': 3}, False), (done.applied, done.changed))

    def test_unlimited_comes_back_unlimited(self):
        resource = 'gigabytes___DEFAULT__'
        self.api.set_usage('cinder', PROJECT, resource, 12)
        done = self.cinder.apply(PROJECT, {'resource': resource})
        self.assertEqual(({'limit': -1}, {'limit': 12}),
                         (done.prior, done.applied))
        self.cinder.revert(PROJECT, {'resource': resource}, done.prior)
        self.assertEqual(-1, self.api.limit('cinder', PROJECT, resource))

    def test_an_unknown_resource_is_named(self):
        exc = self.assertRaises(errors.EnforcerError, self.cinder.apply,
                                PROJECT, {'resource': 'gigabites'})
        self.assertIn("no quota 'gigabites'", str(exc))
        self.assertIn('backup_gigabytes, backups, gigabytes', str(exc))

    def test_neutron_freezes_at_use_and_restores_exactly(self):
        self.api.set_usage('neutron', PROJECT, 'port', 21, reserved=3)
        params = {'resource': 'port'}
        done = self.neutron.apply(PROJECT, params)
        self.assertEqual(({'limit': 50}, {'limit': 24}),
                         (done.prior, done.applied))
        self.assertEqual([('PUT', '/network/v2.0/quotas/%s' % PROJECT,
                           {'quota': {'port': 24}})], self.api.writes())
        self.assertFalse(self.neutron.apply(PROJECT, params,
                                            prior=done.prior).changed)
        self.neutron.revert(PROJECT, params, done.prior)
        self.assertEqual(50, self.api.limit('neutron', PROJECT, 'port'))

    def test_neutron_refuses_a_limit_below_use(self):
        self.api.set_usage('neutron', PROJECT, 'router', 4)
        exc = self.assertRaises(
            errors.EnforcerError, self.neutron.write, PROJECT,
            {'resource': 'router'}, {}, {'limit': 3})
        self.assertIn('HTTP 400: Quota limit 3 for router must be greater '
                      'than or equal to already used 4', str(exc))
        self.assertEqual(10, self.api.limit('neutron', PROJECT, 'router'))

    def test_storage_cap_freezes_cinder_until_below_clear(self):
        rule = th.parse(th.storage_cap(threshold='10', clear='8'))
        project, throttle = PROJECT, th.Throttle(self.loader)
        self.api.set_usage('cinder', project, 'gigabytes', 12)

        def run(gib_hours):
            return throttle([rule], {project: [
                ('volume.size', {}, str(gib_hours * 3600))]})

        run(11)
        self.assertEqual(12, self.api.limit('cinder', project, 'gigabytes'))
        # Someone raises the quota by hand: the next run repairs it.
        self.api.set_limit('cinder', project, 'gigabytes', 500)
        run(9)
        self.assertEqual(12, self.api.limit('cinder', project, 'gigabytes'))
        run(7)
        self.assertEqual(1000, self.api.limit('cinder', project,
                                              'gigabytes'))
        self.assertEqual({}, throttle.records)
        self.assertEqual(3, len(self.api.writes()))
