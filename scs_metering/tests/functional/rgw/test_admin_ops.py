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
"""The admin ops client against the real radosgw: growth, trim, errors."""

import datetime

from scs_metering.common import timeutils
from scs_metering.reconcile import rgw_client
from scs_metering.tests.functional.api import keystone
from scs_metering.tests.functional.rgw import base
from scs_metering.tests.functional.rgw import cluster as ceph

HOUR = datetime.timedelta(hours=1)


def _hours():
    """The current hour and the end of the next: room for a boundary."""
    start = timeutils.window_floor(timeutils.utcnow(), 3600)
    return start, start + 2 * HOUR


class TestCurrentHourGrows(base.RGWTestCase):
    """An hour's entry is one record that later requests add to."""

    def test_entry_of_the_current_hour_grows_in_place(self):
        start, end = _hours()
        bucket = self.bucket_name('alpha-live')
        uid = self.rgw_user('alpha')
        self.assertEqual(201, self.swift('alpha', 'PUT',
                                         '/' + bucket).status_code)
        self.assertEqual(201, self.swift(
            'alpha', 'PUT', '/%s/o' % bucket,
            data=b'x' * 1000).status_code)
        seen = []
        for reads in (1, 2):
            self.assertEqual(200, self.swift(
                'alpha', 'GET', '/%s/o' % bucket).status_code)
            self.wait_for_usage(uid, start, end, {
                (bucket, 'get_obj'): (1000 * reads, 0, reads, reads)})
            seen.append([e for e in self.admin.usage_entries(
                start, end, uid=uid)
                if e.bucket == bucket and e.category == 'get_obj'])
        first, second = seen
        self.assertEqual(1, len(first))
        if first[0].epoch == max(e.epoch for e in second):
            # Same hour: the same entry, its figures added to.
            self.assertEqual(1, len(second))
            self.assertEqual(first[0]._replace(bytes_sent=2000, ops=2,
                                               successful_ops=2), second[0])
        else:
            # The hour turned between the reads: a new entry, the old
            # one as it was.
            self.assertIn(first[0], second)
            self.assertEqual(2, len(second))


class TestLocalUsersAndTrim(base.RGWTestCase):
    """Local S3 users, one in an explicit tenant; trimming one's log."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tenant = 'acme_%s' % cls.tag
        cls.kept = cls._local_user('--tenant', cls.tenant, '--uid', 'kept')
        cls.trimmed = cls._local_user('--uid', 'trimmed-%s' % cls.tag)

    @classmethod
    def _local_user(cls, *args, caps=None):
        made = cls.ceph.radosgw_admin(
            'user', 'create', '--display-name', 'test user', *args,
            *(('--caps', caps) if caps else ()))
        key = made['keys'][0]
        uid = made['user_id']
        if made.get('tenant'):
            uid = '%s$%s' % (made['tenant'], uid)
        return uid, (key['access_key'], key['secret_key'])

    def _traffic(self, user, bucket, size):
        uid, keys = user
        self.assertEqual(200, self.s3(keys, 'PUT', '/' + bucket).status_code)
        self.assertEqual(200, self.s3(keys, 'PUT', '/%s/o' % bucket,
                                      data=b't' * size).status_code)

    def test_trim_removes_one_users_entries_only(self):
        start, end = _hours()
        kept_bucket = self.bucket_name('kept')
        trimmed_bucket = self.bucket_name('trimmed')
        self._traffic(self.kept, kept_bucket, 10)
        self._traffic(self.trimmed, trimmed_bucket, 20)
        kept_uid, trimmed_uid = self.kept[0], self.trimmed[0]
        self.assertEqual('%s$kept' % self.tenant, kept_uid)
        for uid, bucket, size in ((kept_uid, kept_bucket, 10),
                                  (trimmed_uid, trimmed_bucket, 20)):
            self.wait_for_usage(uid, start, end, {
                (bucket, 'put_obj'): (0, size, 1, 1)})
        # The reader's caps do not allow it ...
        self.assertRaises(rgw_client.PermissionDenied,
                          self.admin.trim_usage, start, end, trimmed_uid)
        # ... a user with usage=write may.
        _uid, keys = self._local_user('--uid', 'trimmer-%s' % self.tag,
                                      caps='usage=read,write')
        trimmer = rgw_client.AdminClient(self.ceph.endpoint, *keys)
        self.addCleanup(trimmer.close)
        trimmer.trim_usage(start, end, uid=trimmed_uid)
        self.assertEqual([], list(self.admin.usage_entries(
            start, end, uid=trimmed_uid)))
        self.assertIn((kept_bucket, 'put_obj'), self.totals(
            self.admin.usage_entries(start, end, uid=kept_uid)))

    def test_explicit_tenant_bucket_is_tenant_slash_name(self):
        bucket = self.bucket_name('named')
        self._traffic(self.kept, bucket, 5)
        found = self.admin.bucket(bucket, tenant=self.tenant)
        self.assertEqual(self.tenant, found['tenant'])
        self.assertEqual(self.kept[0], found['owner'])
        self.assertEqual(5, found['usage']['rgw.main']['size'])
        self.assertEqual('rgw', self.admin.user(self.kept[0])['type'])


class TestAdminErrors(base.RGWTestCase):
    """Every failure is a named RGWError, with what to do about it."""

    def client(self, access=None, secret=None, endpoint=None, **kwargs):
        made = rgw_client.AdminClient(
            endpoint or self.ceph.endpoint,
            access or self.ceph.admin_access,
            secret or self.ceph.admin_secret, **kwargs)
        self.addCleanup(made.close)
        return made

    def test_wrong_secret_fails_authentication(self):
        error = self.assertRaises(rgw_client.AuthenticationFailed,
                                  self.client(secret='wrong' * 8).usage)
        self.assertIn('secret key', str(error))

    def test_unknown_access_key_fails_authentication(self):
        self.assertRaises(rgw_client.AuthenticationFailed,
                          self.client(access='NOSUCHKEY0000000000X').usage)

    def test_missing_caps_are_permission_denied(self):
        made = self.ceph.radosgw_admin(
            'user', 'create', '--uid', 'usage-only-%s' % self.tag,
            '--display-name', 'usage only', '--caps', 'usage=read')
        key = made['keys'][0]
        limited = self.client(key['access_key'], key['secret_key'])
        limited.usage(uid='nobody')
        error = self.assertRaises(rgw_client.PermissionDenied,
                                  limited.buckets)
        self.assertIn('buckets=read', str(error))
        self.assertRaises(rgw_client.PermissionDenied, limited.user,
                          ceph.ADMIN_UID)

    def test_unknown_user_and_bucket_are_not_found(self):
        self.assertRaises(rgw_client.NotFound, self.admin.user,
                          'nobody-%s' % self.tag)
        self.assertRaises(rgw_client.NotFound, self.admin.bucket,
                          'nothing-%s' % self.tag)

    def test_closed_port_is_unreachable(self):
        closed = 'http://127.0.0.1:%d' % keystone.free_port()
        error = self.assertRaises(
            rgw_client.Unreachable,
            self.client(endpoint=closed, connect_retries=0).usage)
        self.assertIn(closed, str(error))
        self.assertIsInstance(error, rgw_client.client.ListingError)
