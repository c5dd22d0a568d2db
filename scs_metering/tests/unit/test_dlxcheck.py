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
"""Which policy RabbitMQ applies to the agent's queues, as the check reads it.

The functional test_deadletter_check runs it against the real broker.
"""

from scs_metering.agent import dlxcheck
from scs_metering.tests import base


def _policy(name, pattern, exchange, priority=0, apply_to='queues'):
    return {'vhost': '/', 'name': name, 'pattern': pattern,
            'apply-to': apply_to, 'priority': priority,
            'definition': {'dead-letter-exchange': exchange}}


GUIDE = _policy('scs-metering-dlx', r'^scs\-metering\.', 'scs-metering.dlx')


class TestApplied(base.TestCase):

    def test_the_highest_priority_wins(self):
        mirror = _policy('ha', '.*', 'other', priority=1)
        self.assertEqual([mirror], dlxcheck.applied(
            [GUIDE, mirror], 'scs-metering.nova'))
        self.assertEqual([GUIDE], dlxcheck.applied(
            [GUIDE, dict(mirror, priority=-1)], 'scs-metering.nova'))

    def test_only_policies_for_queues_count(self):
        exchanges = _policy('x', '.*', 'other', priority=9,
                            apply_to='exchanges')
        self.assertEqual([GUIDE], dlxcheck.applied(
            [GUIDE, exchanges], 'scs-metering.nova'))

    def test_the_pattern_must_match(self):
        self.assertEqual([], dlxcheck.applied([GUIDE], 'scs-meteringXnova'))
        self.assertEqual([], dlxcheck.applied([GUIDE], 'x.scs-metering.nova'))


class TestProblems(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(transport_url='rabbit://u:p@broker:5672/')
        self.config('notification', enabled_services=['nova', 'cinder'])

    def problems(self, *policies):
        asked = []

        def listed(vhost):
            asked.append(vhost)
            return list(policies)
        return dlxcheck.problems(self.conf, listed), asked

    def test_the_guides_policy_covers_every_queue(self):
        self.assertEqual(([], ['/']), self.problems(GUIDE))

    def test_no_policy(self):
        found, _asked = self.problems()
        self.assertEqual(['scs-metering.cinder (vhost /): no policy matches '
                          'it', 'scs-metering.nova (vhost /): no policy '
                          'matches it'], found)

    def test_a_tie_that_disagrees_is_a_problem(self):
        found, _asked = self.problems(GUIDE, _policy(
            'b', '^scs', 'elsewhere'))
        self.assertIn('scs-metering.nova (vhost /): policy scs-metering-dlx, '
                      'b dead-letters to elsewhere or scs-metering.dlx, not '
                      'scs-metering.dlx', found)

    def test_per_service_bus_and_virtual_host(self):
        self.config('notification',
                    nova_transport_url='rabbit://u:p@broker:5672/nova')
        self.config('notification', cinder_transport_url='kafka://k:9092')
        found, asked = self.problems(GUIDE)
        self.assertEqual(([], ['nova']), (found, asked))

    def test_the_hint_names_the_virtual_host_and_escapes_the_pool(self):
        self.config('agent', pool='my.pool')
        self.assertEqual(
            "rabbitmqctl set_policy -p nova my.pool-dlx '^my\\.pool\\.' "
            "'{\"dead-letter-exchange\":\"my.pool.dlx\"}' --apply-to queues",
            dlxcheck.hint(self.conf, 'nova'))
