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
"""upgrade check's dead-letter check against the real RabbitMQ's policies.

The agent's queues are not declared in these tests until said so: the
policies decide, as they will for the queues once the agent declares
them.
"""

import json
import os
import shutil
import subprocess

import fixtures
from oslo_upgradecheck import upgradecheck

from scs_metering.agent import dlxcheck
from scs_metering.command import status
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services

Code = upgradecheck.Code
TITLE = 'Dead-letter policy'


class DeadLetterCheckTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        self.database('sqlite')
        self.pipeline = self.useFixture(services.Pipeline(
            self, self.conf.database.connection))
        self.config(transport_url=base.RABBIT_URL)
        self.config('agent', pool=self.pipeline.pool)
        self.config('notification', enabled_services=['nova', 'cinder'],
                    nova_exchange=self.pipeline.nova_exchange)
        self.queues = ['%s.cinder' % self.pipeline.pool,
                       self.pipeline.source_queue]

    def check(self):
        checks = status.Checks(self.conf)
        [check] = [c for title, c in checks._upgrade_checks if title == TITLE]
        return check(checks)

    def policy(self, name, pattern, exchange, priority=0):
        services.rabbitmqctl(
            'set_policy', name, pattern,
            json.dumps({'dead-letter-exchange': exchange}),
            '--apply-to', 'queues', '--priority', str(priority))
        self.addCleanup(services.rabbitmqctl, 'clear_policy', name)

    def test_fails_without_the_policy_passes_with_it(self):
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code, result.details)
        for queue in self.queues:
            self.assertIn('%s (vhost /): no policy matches it' % queue,
                          result.details)
        self.assertIn(dlxcheck.hint(self.conf), result.details)
        # The policy the failure prints, as an operator pastes it: it
        # covers the queues before the agent declares them.
        self.policy('%s-dlx' % self.pipeline.pool, dlxcheck.pattern(
            self.conf), self.pipeline.dead_letter_exchange)
        result = self.check()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn(self.pipeline.dead_letter_exchange, result.details)
        self.assertIsNone(self.pipeline.broker.queue(
            self.pipeline.source_queue))
        # And the queue the agent declares gets it.
        self.pipeline.start_agent()
        queues = subprocess.run(
            ['rabbitmqctl', '-q', 'list_queues', 'name', 'policy',
             '--formatter', 'json'], capture_output=True, text=True,
            check=True)
        self.assertIn({'name': self.pipeline.source_queue,
                       'policy': '%s-dlx' % self.pipeline.pool},
                      json.loads(queues.stdout))

    def test_a_higher_policy_to_another_exchange_fails(self):
        self.policy('%s-dlx' % self.pipeline.pool, dlxcheck.pattern(
            self.conf), self.pipeline.dead_letter_exchange)
        # An operator's catch-all policy that outranks it.
        self.policy('%s-all' % self.pipeline.pool, '^%s' % self.pipeline.pool,
                    'elsewhere', priority=5)
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code, result.details)
        self.assertIn('%s (vhost /): policy %s-all dead-letters to elsewhere, '
                      'not %s' % (self.pipeline.source_queue,
                                  self.pipeline.pool,
                                  self.pipeline.dead_letter_exchange),
                      result.details)

    def test_warns_with_the_command_to_run_as_root(self):
        self.useFixture(fixtures.EnvironmentVariable('PATH', '/nonexistent'))
        result = self.check()
        self.assertEqual(Code.WARNING, result.code, result.details)
        self.assertIn('rabbitmqctl is not installed here', result.details)
        self.assertIn('rabbitmqctl list_policies -p /', result.details)
        self.assertIn(' upgrade check', result.details)
        self.assertIn(dlxcheck.hint(self.conf), result.details)

    def test_an_unprivileged_user_gets_a_warning_not_a_failure(self):
        # The install guide's case: the service's own user may not run
        # rabbitmqctl (only root or rabbitmq may). The real rabbitmqctl,
        # run as nobody by the check.
        if os.geteuid() != 0:
            self.skipTest('needs root to run rabbitmqctl as nobody')
        real = shutil.which('rabbitmqctl')
        directory = self.useFixture(fixtures.TempDir()).path
        wrapper = os.path.join(directory, 'rabbitmqctl')
        with open(wrapper, 'w') as f:
            f.write('#!/bin/sh\nexec runuser -u nobody -- %s "$@"\n' % real)
        os.chmod(wrapper, 0o755)
        self.useFixture(fixtures.EnvironmentVariable('PATH', '%s:%s' % (
            directory, os.environ['PATH'])))
        result = self.check()
        self.assertEqual(Code.WARNING, result.code, result.details)
        self.assertIn("Cannot read RabbitMQ's policies as this user: "
                      "rabbitmqctl failed (exit status", result.details)
        self.assertIn('run as root on a broker node: sudo ', result.details)
