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
"""The RGW poller against the real radosgw and the real Keystone.

alpha and beta upload and download known bytes through the Swift API,
gamma through S3 (traffic.py). The poller, with the options an operator
sets, then turns them into usage records in PostgreSQL: traffic bytes
and requests exactly, stored bytes times seconds exactly for the level
the polls saw (nothing is stored or removed between the polls, so the
documented bound, a change billed from the next poll, is zero here).

The usage log is metered in closed hours only. Rather than wait for the
hour to end, the poller's clock is set past it: every request of the
test is already in the log (wait_for_usage), so the hour is complete as
far as these projects go.
"""

import collections
import datetime

import fixtures
from keystoneauth1 import loading as ks_loading

from scs_metering.common import timeutils
from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering.reconcile import client
from scs_metering.reconcile.listers import rgw_usage
from scs_metering.reconcile import runner
from scs_metering.tests.functional.api import keystone as ks
from scs_metering.tests.functional.rgw import base
from scs_metering.tests.functional.rgw import cluster as ceph
from scs_metering.tests.functional.rgw import traffic

HOUR = datetime.timedelta(hours=1)
PROJECTS = ('alpha', 'beta', 'gamma')


class TestPollerMetersKnownTraffic(traffic.KnownTraffic, base.RGWTestCase):

    def setUp(self):
        super().setUp()
        self.connection = self.database('postgresql')
        self.config('rgw', endpoint=self.ceph.endpoint,
                    access_key=self.ceph.admin_access,
                    secret_key=self.ceph.admin_secret,
                    ignored_users=[ceph.ADMIN_UID], usage_settle=0)
        # As the simulated cloud does: the plugin's options join the
        # group for good, so its overrides stay too (a required auth_url
        # cleared would fail every later test's configuration).
        group = 'service_credentials'
        self.conf.register_opts(ks_loading.get_auth_plugin_conf_options(
            'v3password'), group=group)
        for name, value in (
                ('auth_type', 'v3password'), ('auth_url', self.keystone.url),
                ('username', 'admin'), ('password', ks.ADMIN_PASSWORD),
                ('project_name', 'admin'), ('user_domain_id', 'default'),
                ('project_domain_id', 'default')):
            self.conf.set_override(name, value, group)
        for project in PROJECTS:
            self.wait_for_usage(self.rgw_user(project), self.start,
                                self.start + 3 * HOUR,
                                self.expected[project])
        # Past the hour of the last request; the first poll reads the
        # log from the hour of the first.
        self.now = timeutils.window_floor(timeutils.utcnow(), 3600) + HOUR
        self.config('rgw', first_poll_lookback=int(
            (self.now - self.start).total_seconds()))
        self.definitions_ = self.definitions()

    def poll(self, at):
        cloud = client.Cloud(self.conf)
        self.addCleanup(cloud.close)
        report = runner.Reconciler(
            self.conf, self.connection, cloud, self.definitions_,
            host='test', clock=lambda: at).run('rgw_project')
        return report

    def records(self, meter, window=None):
        """{(project name, group): quantity}, summed over windows."""
        windows.WindowCloser(self.connection, self.definitions_).run(
            now=self.now + 4 * HOUR)
        names = {self.project(p): p for p in PROJECTS}
        found = collections.Counter()
        for r in self.connection.current_records(meter=meter):
            if r.project_id in names and window in (None,
                                                    r.window_start):
                found[names[r.project_id],
                      tuple(sorted(r.attributes.items()))] += r.quantity
        return dict(found)

    def expected_traffic(self):
        sent, received, requests = {}, {}, collections.Counter()
        for project in PROJECTS:
            figures = self.expected[project]
            sent[project, ()] = sum(f[0] for f in figures.values())
            received[project, ()] = sum(f[1] for f in figures.values())
            for (_bucket, category), f in figures.items():
                requests[project, (('category', category),)] += f[2]
        return received, sent, dict(requests)

    def assertExactTraffic(self):
        received, sent, requests = self.expected_traffic()
        self.assertEqual(received,
                         self.records(rgw_usage.RECEIVED))
        self.assertEqual(sent, self.records(rgw_usage.SENT))
        self.assertEqual(requests, self.records(rgw_usage.REQUESTS))

    def test_traffic_is_metered_exactly_and_once(self):
        report = self.poll(self.now)
        self.assertEqual('success', report.status, report.error)
        self.assertExactTraffic()
        events = self.connection.count('Event')
        # The same poll again stores nothing at all; a later one only
        # new gauge samples.
        self.assertEqual('success', self.poll(self.now).status)
        self.assertEqual(events, self.connection.count('Event'))
        self.poll(self.now + datetime.timedelta(minutes=20))
        self.assertExactTraffic()

    def test_an_interrupted_poll_meters_nothing_twice(self):
        self.useFixture(fixtures.MockPatchObject(rgw_usage, 'FLUSH', 1))
        real = ingest.Ingestor.store
        calls = []

        def crash_half_way(ingestor, batch, quarantined=()):
            # On the third sample of the usage log, after two stored.
            calls.extend(e for e in batch
                         if e.event_type == rgw_usage.EVENT_TYPE)
            if len(calls) == 3:
                raise RuntimeError('killed half-way')
            return real(ingestor, batch, quarantined)
        with fixtures.MockPatchObject(ingest.Ingestor, 'store',
                                      crash_half_way):
            report = self.poll(self.now)
        self.assertEqual('failed', report.status)
        self.assertIn('killed half-way', report.error)
        self.assertEqual(3, len(calls))
        self.assertEqual(self.start, self.connection.poll_marks(
            rgw_usage.POLLER)[rgw_usage.WHOLE_LOG])
        report = self.poll(self.now + datetime.timedelta(minutes=1))
        self.assertEqual('success', report.status, report.error)
        self.assertExactTraffic()

    def test_stored_bytes_times_seconds(self):
        for minutes in (0, 30, 60):
            report = self.poll(self.now + datetime.timedelta(
                minutes=minutes))
            self.assertEqual('success', report.status, report.error)
        for meter, value in (('radosgw.objects.size', sum),
                             ('radosgw.objects', len)):
            with self.subTest(meter=meter):
                self.assertEqual(
                    {(p, ()): value([s for b in self.stored[p].values()
                                     for s in b]) * 3600
                     for p in PROJECTS}, self.records(meter, self.now))
