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
"""Tests against the real radosgw of this test process.

Every test class makes Keystone projects of its own, each with a member,
so that no class sees another's traffic in the usage log. Members store
and fetch objects as they would in a cloud: through the Swift API with
a token, or through S3 with EC2 credentials made in Keystone.
"""

import collections
import uuid

import requests

from scs_metering.reconcile import rgw_client
from scs_metering.tests.functional.api import keystone as ks
from scs_metering.tests.functional import base
from scs_metering.tests.functional.rgw import cluster as ceph
from scs_metering.tests.functional import services

# Usage log entries reach RADOS within rgw_usage_log_tick_interval (1 s
# here); this is how long a test waits before it calls them missing.
FLUSH_TIMEOUT = 30


class RGWTestCase(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ceph = base.started(ceph.get, ceph.Unavailable)
        cls.keystone = cls.ceph.keystone
        cls.admin = rgw_client.AdminClient(
            cls.ceph.endpoint, cls.ceph.admin_access, cls.ceph.admin_secret)
        cls.tag = uuid.uuid4().hex[:8]
        cls.projects = {}
        cls._sessions = {}

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        super().tearDownClass()

    @classmethod
    def member(cls, name):
        """A new project ``<name>-<tag>`` with a member of the same name.

        Returns the member's keystoneauth session, scoped to the project.
        """
        if name not in cls._sessions:
            admin = cls.keystone.session()
            url = cls.keystone.url
            full = '%s-%s' % (name, cls.tag)
            project = admin.post(url + '/projects', json={'project': {
                'name': full, 'domain_id': 'default'}}).json()['project']
            user = admin.post(url + '/users', json={'user': {
                'name': full, 'password': ks.PASSWORD,
                'domain_id': 'default'}}).json()['user']
            role = admin.get(url + '/roles', params={
                'name': 'member'}).json()['roles'][0]
            admin.put('%s/projects/%s/users/%s/roles/%s' % (
                url, project['id'], user['id'], role['id']))
            cls.projects[name] = project['id']
            cls._sessions[name] = cls.keystone.session(full, full)
        return cls._sessions[name]

    @classmethod
    def project(cls, name):
        cls.member(name)
        return cls.projects[name]

    @classmethod
    def rgw_user(cls, name):
        """The RGW user a Keystone project becomes (implicit tenants)."""
        return cls.ceph.tenant_user(cls.project(name))

    @classmethod
    def bucket_name(cls, name):
        return '%s-%s' % (name, cls.tag)

    @classmethod
    def swift(cls, name, method, path='', **kwargs):
        """A Swift request as the project's member, with a token."""
        token = cls.member(name).get_token()
        return requests.request(
            method, cls.ceph.swift_url(cls.project(name)) + path,
            headers={'X-Auth-Token': token}, timeout=60, **kwargs)

    @classmethod
    def ec2_credentials(cls, name):
        """EC2 credentials made in Keystone by the member, for S3."""
        session = cls.member(name)
        made = session.post(
            '%s/users/%s/credentials/OS-EC2' % (cls.keystone.url,
                                                session.get_user_id()),
            json={'tenant_id': cls.project(name)}).json()['credential']
        return made['access'], made['secret']

    @classmethod
    def s3(cls, keys, method, path, **kwargs):
        """An S3 request signed with SigV4, path-style."""
        return requests.request(
            method, cls.ceph.endpoint + path,
            auth=rgw_client.SigV4(keys[0], keys[1], 'us-east-1'),
            timeout=60, **kwargs)

    def totals(self, entries):
        """(bucket, category) -> [bytes_sent, bytes_received, ops, ok]."""
        found = collections.defaultdict(lambda: [0, 0, 0, 0])
        for entry in entries:
            self.assertIsInstance(entry, rgw_client.UsageEntry)
            figures = found[entry.bucket, entry.category]
            for i, name in enumerate(rgw_client.FIGURES):
                figures[i] += getattr(entry, name)
        return {key: tuple(value) for key, value in found.items()}

    def wait_for_usage(self, uid, start, end, expected):
        """The usage of a user, once it holds ``expected``.

        ``expected`` maps (bucket, category) to the four figures. Waiting
        ends when every expected pair has its figures; the returned
        totals hold every pair, expected or not.
        """
        def flushed():
            totals = self.totals(self.admin.usage_entries(start, end,
                                                          uid=uid))
            if all(totals.get(key) == value
                   for key, value in expected.items()):
                return totals
        try:
            return services.wait_for(flushed, timeout=FLUSH_TIMEOUT,
                                     interval=0.5, what='usage of %s' % uid)
        except services.Timeout:
            totals = self.totals(self.admin.usage_entries(start, end,
                                                          uid=uid))
            self.assertEqual(expected, {k: totals.get(k) for k in expected})
            raise
