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
"""Known traffic through Swift and S3, for the tests that read it back.

alpha and beta store and fetch objects through the Swift API with their
Keystone tokens, gamma through S3 with EC2 credentials from Keystone;
every request's figures are added to what the usage log must show.
"""

from scs_metering.common import timeutils

BIG = 5 * 1024 * 1024 + 3  # over rgw_max_chunk_size (4 MiB): two chunks


class KnownTraffic:
    """Known requests of alpha and beta (Swift) and gamma (S3).

    ``expected[project][(bucket, category)]`` holds the four figures RGW
    must log for them, ``stored[project][bucket]`` the object sizes left.
    Mixed into an RGWTestCase.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start = timeutils.window_floor(timeutils.utcnow(), 3600)
        cls.expected = {}
        cls.stored = {}
        cls._alpha()
        cls._beta()
        cls._gamma()

    @classmethod
    def _ok(cls, response, status=None):
        if (response.status_code != status if status
                else response.status_code >= 300):
            raise AssertionError('%s %s: HTTP %d %s' % (
                response.request.method, response.url,
                response.status_code, response.text[:300]))
        return response

    @classmethod
    def _expect(cls, project, bucket, category, response, sent=0,
                ok=True):
        """Add what RGW must log for one request to the expectations."""
        key = (bucket, category)
        old = cls.expected.setdefault(project, {}).get(key, (0, 0, 0, 0))
        cls.expected[project][key] = (
            old[0] + len(response.content), old[1] + sent, old[2] + 1,
            old[3] + int(ok))

    @classmethod
    def _alpha(cls):
        """alpha, through Swift: two objects, three reads, one miss."""
        bucket = cls.bucket_name('alpha-photos')
        cls._expect('alpha', bucket, 'create_bucket', cls._ok(
            cls.swift('alpha', 'PUT', '/' + bucket)))
        for name, size in (('one', 1000), ('two', 3000)):
            cls._expect('alpha', bucket, 'put_obj', cls._ok(cls.swift(
                'alpha', 'PUT', '/%s/%s' % (bucket, name),
                data=b'a' * size)), sent=size)
        for name in ('one', 'one', 'two'):
            cls._expect('alpha', bucket, 'get_obj', cls._ok(cls.swift(
                'alpha', 'GET', '/%s/%s' % (bucket, name))))
        # A 404 is logged under the bucket name "-", not the container.
        cls._expect('alpha', '-', 'get_obj', cls._ok(cls.swift(
            'alpha', 'GET', '/%s/missing' % bucket), status=404),
            ok=False)
        cls.stored['alpha'] = {bucket: [1000, 3000]}

    @classmethod
    def _beta(cls):
        """beta, through Swift: a big object; another written, deleted."""
        bucket = cls.bucket_name('beta-backups')
        cls._expect('beta', bucket, 'create_bucket', cls._ok(
            cls.swift('beta', 'PUT', '/' + bucket)))
        for name, size in (('big', BIG), ('gone', 7)):
            cls._expect('beta', bucket, 'put_obj', cls._ok(cls.swift(
                'beta', 'PUT', '/%s/%s' % (bucket, name),
                data=b'b' * size)), sent=size)
        cls._expect('beta', bucket, 'get_obj', cls._ok(cls.swift(
            'beta', 'GET', '/%s/big' % bucket)))
        cls._expect('beta', bucket, 'delete_obj', cls._ok(cls.swift(
            'beta', 'DELETE', '/%s/gone' % bucket)))
        cls.stored['beta'] = {bucket: [BIG]}

    @classmethod
    def _gamma(cls):
        """gamma, through S3 with EC2 credentials from Keystone."""
        keys = cls.ec2_credentials('gamma')
        bucket = cls.bucket_name('gamma-s3')
        cls._expect('gamma', bucket, 'create_bucket', cls._ok(
            cls.s3(keys, 'PUT', '/' + bucket)))
        cls._expect('gamma', bucket, 'put_obj', cls._ok(cls.s3(
            keys, 'PUT', '/%s/data.bin' % bucket, data=b'g' * 2500)),
            sent=2500)
        cls._expect('gamma', bucket, 'get_obj', cls._ok(cls.s3(
            keys, 'GET', '/%s/data.bin' % bucket)))
        cls.stored['gamma'] = {bucket: [2500]}
