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
"""upgrade check's dead-letter check against the agent's real queues."""

import fixtures
from oslo_upgradecheck import upgradecheck

from scs_metering.agent import dlxcheck
from scs_metering.command import status
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services


class DeadLetterCheckTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.database('sqlite')
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        self.config(transport_url=base.RABBIT_URL)
        self.config('agent', pool=self.pipeline.pool)
        self.config('notification', enabled_services=['nova'],
                    nova_exchange=self.pipeline.nova_exchange)

    def check(self):
        return status.Checks(self.conf)._dead_letters()

    def test_fails_without_the_policy_and_passes_with_it(self):
        result = self.check()
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)
        self.assertIn('%s: not declared yet' % self.pipeline.source_queue,
                      result.details)
        self.pipeline.start_agent()
        result = self.check()
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)
        self.assertIn('%s: dead-letter exchange none, not %s' % (
            self.pipeline.source_queue, self.pipeline.dead_letter_exchange),
            result.details)
        self.assertIn('rabbitmqctl set_policy %s-dlx' % self.pipeline.pool,
                      result.details)
        self.pipeline.dead_letter_policy()
        result = services.wait_for(
            lambda: (lambda r: r.code == upgradecheck.Code.SUCCESS and r)(
                self.check()), timeout=10, what='the policy applied')
        self.assertIn(self.pipeline.dead_letter_exchange, result.details)

    def test_a_policy_to_another_exchange_fails(self):
        self.pipeline.start_agent()
        self.config('agent', pool=self.pipeline.pool)
        services.rabbitmqctl(
            'set_policy', 'other-%s' % self.pipeline.pool,
            r'^%s\.' % self.pipeline.pool.replace('-', r'\-'),
            '{"dead-letter-exchange":"elsewhere"}', '--apply-to', 'queues')
        self.addCleanup(services.rabbitmqctl, 'clear_policy',
                        'other-%s' % self.pipeline.pool)
        result = services.wait_for(
            lambda: (lambda r: 'elsewhere' in r.details and r)(self.check()),
            timeout=10, what='the other policy applied')
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)

    def test_unverifiable_without_rabbitmqctl(self):
        self.useFixture(fixtures.EnvironmentVariable('PATH', '/nonexistent'))
        result = self.check()
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('rabbitmqctl is not installed here', result.details)
        self.assertIn(dlxcheck.hint(self.conf), result.details)
