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
"""Known traffic through Swift and S3, read back through the admin API.

alpha and beta store and fetch objects through the Swift API with their
Keystone tokens, gamma through S3 with EC2 credentials from Keystone.
The usage log must then show exactly the bytes each request carried,
under the RGW user that implicit tenants make of the project, and the
bucket stats exactly the bytes and objects stored.
"""

import datetime

from scs_metering.common import timeutils
from scs_metering.reconcile import rgw_client
from scs_metering.tests.functional.rgw import base
from scs_metering.tests.functional.rgw import cluster as ceph
from scs_metering.tests.functional.rgw import recorded
from scs_metering.tests.functional.rgw import traffic

HOUR = datetime.timedelta(hours=1)
BIG = traffic.BIG


def _rounded(size):
    """size_actual: RGW rounds each object up to 4 KiB."""
    return (size + 4095) // 4096 * 4096


class TestTrafficInUsageLog(traffic.KnownTraffic, base.RGWTestCase):

    def _end(self):
        return timeutils.window_floor(timeutils.utcnow(), 3600) + HOUR

    def test_usage_log_has_exactly_the_bytes_of_each_project(self):
        for project in ('alpha', 'beta', 'gamma'):
            with self.subTest(project=project):
                expected = self.expected[project]
                found = self.wait_for_usage(self.rgw_user(project),
                                            self.start, self._end(),
                                            expected)
                # Nothing but the requests made: exact, not at least.
                self.assertEqual(expected, found)

    def test_usage_entries_name_the_implicit_tenant_user(self):
        uid = self.rgw_user('alpha')
        self.wait_for_usage(uid, self.start, self._end(),
                            self.expected['alpha'])
        entries = list(self.admin.usage_entries(self.start, self._end(),
                                                uid=uid))
        self.assertTrue(entries)
        project = self.project('alpha')
        for entry in entries:
            self.assertEqual('%s$%s' % (project, project), entry.user)
            self.assertEqual(entry.user, entry.owner)
            self.assertEqual(0, entry.epoch % 3600)
            self.assertEqual(timeutils.from_epoch(entry.epoch), entry.time)
            self.assertGreaterEqual(entry.time, self.start)
            # The bucket is named without its tenant.
            self.assertNotIn(project, entry.bucket)

    def test_bucket_stats_hold_exactly_the_stored_objects(self):
        for project, buckets in sorted(self.stored.items()):
            listed = {b['bucket']: b for b in self.admin.buckets(
                uid=self.rgw_user(project))}
            for name, sizes in buckets.items():
                with self.subTest(project=project, bucket=name):
                    found = listed[name]
                    main = found['usage']['rgw.main']
                    self.assertEqual(sum(sizes), main['size'])
                    self.assertEqual(sum(_rounded(s) for s in sizes),
                                     main['size_actual'])
                    self.assertEqual(len(sizes), main['num_objects'])
                    self.assertEqual(self.project(project), found['tenant'])
                    self.assertEqual(self.rgw_user(project), found['owner'])
                    one = self.admin.bucket(name, tenant=self.project(
                        project))
                    self.assertEqual(main, one['usage']['rgw.main'])

    def test_swift_account_head_agrees_with_bucket_stats(self):
        for project in ('alpha', 'beta'):
            with self.subTest(project=project):
                head = self._ok(self.swift(project, 'HEAD'))
                sizes = [s for b in self.stored[project].values()
                         for s in b]
                self.assertEqual(str(sum(sizes)),
                                 head.headers['X-Account-Bytes-Used'])
                self.assertEqual(str(len(sizes)),
                                 head.headers['X-Account-Object-Count'])

    def test_user_stats_sum_the_buckets_once_synced(self):
        # Unsynced, they lag the buckets (by up to
        # rgw_user_quota_bucket_sync_interval); synced, they are exact.
        user = self.admin.user(self.rgw_user('beta'), sync=True)
        self.assertEqual(BIG, user['stats']['size'])
        self.assertEqual(1, user['stats']['num_objects'])
        for secret in rgw_client.SECRETS:
            self.assertNotIn(secret, user)

    def test_keystone_projects_are_users_of_type_keystone(self):
        for project in ('alpha', 'beta', 'gamma'):
            with self.subTest(project=project):
                user = self.admin.user(self.rgw_user(project), stats=False)
                self.assertEqual('keystone', user['type'])
                self.assertEqual(self.project(project), user['tenant'])
                self.assertEqual(self.project(project), user['user_id'])
                self.assertEqual('%s-%s' % (project, self.tag),
                                 user['display_name'])
        self.assertEqual('rgw', self.admin.user(ceph.ADMIN_UID)['type'])

    def test_admin_requests_are_not_in_the_usage_log(self):
        self.wait_for_usage(self.rgw_user('gamma'), self.start, self._end(),
                            self.expected['gamma'])
        users = {e.user for e in self.admin.usage_entries(
            self.start, self._end())}
        self.assertIn(self.rgw_user('gamma'), users)
        self.assertNotIn(ceph.ADMIN_UID, users)

    def test_range_is_by_hour_and_end_is_exclusive(self):
        uid = self.rgw_user('alpha')
        self.wait_for_usage(uid, self.start, self._end(),
                            self.expected['alpha'])
        hours = {e.epoch for e in self.admin.usage_entries(
            self.start, self._end(), uid=uid)}
        last = max(hours)
        at = timeutils.from_epoch(last)
        # [hour, hour + 1h) holds the hour's entry; [hour - 1h, hour)
        # and [hour + 1h, hour + 2h) do not.
        body = self.admin.usage(at, at + HOUR, uid=uid)
        self.assertIn(last, {b['epoch'] for u in body['entries']
                             for b in u['buckets']})
        for start, end in ((at - HOUR, at), (at + HOUR, at + 2 * HOUR)):
            body = self.admin.usage(start, end, uid=uid)
            self.assertNotIn(last, {b['epoch'] for u in body['entries']
                                    for b in u['buckets']})

    def test_user_ids_page_through_every_user(self):
        ids = list(self.admin.user_ids(page_size=2))
        self.assertEqual(len(ids), len(set(ids)))
        for project in ('alpha', 'beta', 'gamma'):
            self.assertIn(self.rgw_user(project), ids)
        self.assertIn(ceph.ADMIN_UID, ids)
        self.assertEqual(sorted(ids), sorted(self.admin.user_ids()))
        by_user = dict(self.admin.buckets_by_user(page_size=3))
        self.assertEqual(
            sorted(self.stored['beta']),
            sorted(b['bucket'] for b in by_user[self.rgw_user('beta')]))

    def test_answers_keep_the_recorded_shape(self):
        """The answers recorded in the repository are what RGW sends."""
        self.wait_for_usage(self.rgw_user('alpha'), self.start, self._end(),
                            self.expected['alpha'])
        answers = recorded.answers(self)
        recorded.save_if_asked(answers, self)
        for name, live in sorted(answers.items()):
            with self.subTest(answer=name):
                self.assertEqual(recorded.shape(recorded.load(name)),
                                 recorded.shape(live))
