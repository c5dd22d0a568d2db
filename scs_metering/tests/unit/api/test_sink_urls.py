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
"""Sinks may not point at link-local or metadata addresses."""

from scs_metering.api import exception
from scs_metering.api import sink_urls
from scs_metering.tests import base


class SinkURLTest(base.TestCase):

    def test_refused(self):
        for url in ('http://169.254.169.254/latest/meta-data',
                    'https://[fe80::1%25eth0]/', 'http://2852039166/',
                    'http://0xa9.0xfe.0xa9.0xfe/', 'http://0xa9fea9fe:80/',
                    'http://[fd00:ec2::254]/',
                    'http://[::ffff:169.254.169.254]/',
                    'https://metadata.google.internal./computeMetadata',
                    'http://METADATA/'):
            self.assertIsNotNone(sink_urls.forbidden(url), url)
            self.assertRaises(exception.BadRequest, sink_urls.check,
                              self.conf, url)

    def test_allowed(self):
        for url in ('https://erp.example.com/usage', 'file:///var/lib/x',
                    'http://10.0.0.1:8080/', 'rabbit://h:5672/', 'nonsense',
                    'http://[::1]/'):
            self.assertIsNone(sink_urls.forbidden(url), url)

    def test_configuration_allows(self):
        self.config('api', allow_link_local_sinks=True)
        sink_urls.check(self.conf, 'http://169.254.169.254/')

    def test_names_resolving_to_loopback(self):
        # localhost resolves to loopback with the system's resolver.
        for url in ('http://localhost:8080/usage', 'https://LOCALHOST./',
                    'http://127.1/', 'http://0.0.0.0:80/',
                    'rabbit://guest@localhost:5672/'):
            sink_urls.check(self.conf, url)
            self.config('api', allow_loopback_sinks=False)
            refused = self.assertRaises(exception.BadRequest,
                                        sink_urls.check, self.conf, url)
            self.assertIn('a loopback address', str(refused))
            self.assertIn('allow_loopback_sinks', str(refused))
            self.config('api', allow_loopback_sinks=True)
