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
"""Which panels show: the API's policy decides, asked once per token."""

from django.conf import settings

from scs_metering_dashboard import access
from scs_metering_dashboard.tests import base
from scs_metering_dashboard.tests import test_usage

PROJECT = '/project/metering_usage/' + test_usage.NOVEMBER


class MemberAccessTest(base.TestCase):
    identity = 'alpha-member'

    def probes(self):
        return [s for s in self.api.sent
                if ['start', '1970-01-01T00:00:00Z'] in s[2]]

    def test_usage_panel_in_navigation(self):
        response = self.client.get(PROJECT)
        self.assertContains(response, 'href="/project/metering_usage/"')
        self.assertNotContains(response, '/admin/metering_sinks/')

    def test_probed_once_per_token(self):
        self.client.get(PROJECT)
        self.client.get(PROJECT)
        self.assertEqual(1, len(self.probes()))
        self.assertEqual({'usage': True}, self.client.session[
            access.SESSION_KEY]['panels'])

    def test_new_token_asks_again(self):
        self.client.get(PROJECT)
        # What the session holds after a login with another token.
        session = self.client.session
        session[access.SESSION_KEY] = {'token': 'another-token',
                                       'panels': {'usage': False}}
        session.save()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = (
            session.session_key)
        self.client.get(PROJECT)
        self.assertEqual(2, len(self.probes()))

    def test_unreachable_api_decides_nothing(self):
        with test_usage.requests_mock_failure():
            response = self.client.get(PROJECT)
        # Shown, with the reason it cannot show numbers, and not cached.
        self.assertContains(response, 'href="/project/metering_usage/"')
        self.assertContains(response, 'could not be reached')
        self.assertNotIn(access.SESSION_KEY, self.client.session)


class ServiceRoleAccessTest(base.TestCase):
    identity = 'delta-service'

    def test_refused_probe_hides_the_panel(self):
        response = self.client.get(PROJECT)
        self.assertNotIn(response.status_code, (200, 500))
        self.assertEqual({'usage': False}, self.client.session[
            access.SESSION_KEY]['panels'])
        # The refusal is remembered: no second probe.
        self.client.get(PROJECT)
        self.assertEqual(1, len(self.api.sent))
