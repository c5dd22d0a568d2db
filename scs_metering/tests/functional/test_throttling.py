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
"""Throttling against a real Keystone, and notifications on a real RabbitMQ.

Keystone from PyPI (tests/functional/api/keystone.py) holds a service,
its endpoint and a registered limit, as a deployment of nova does. The
keystone_limit enforcer lowers a project's limit when a rule's
threshold is crossed, and nova's check (oslo.limit's Enforcer with a
usage callback, in a process of its own: nova_limits.py) refuses the
next create; when the decision closes or is lifted, the limit returns
exactly to what it was, and the create is allowed again.
"""

import json
import subprocess
import sys
import textwrap
import uuid

import kombu

from scs_metering.tests.functional.api import keystone as keystone_
from scs_metering.tests.functional import base
from scs_metering.tests.functional import services
from scs_metering.tests import throttling as th
from scs_metering.throttling import decisions as dec
from scs_metering.throttling.enforcers import clients as clients_
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling.enforcers import notify
from scs_metering.throttling import rules

REGION = 'RegionOne'


class KeystoneThrottlingTest(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keystone = base.started(keystone_.get, keystone_.Unavailable)

    def setUp(self):
        super().setUp()
        self.admin = self.keystone.session()
        uid = uuid.uuid4().hex[:8]
        self.service_name = 'nova-%s' % uid
        service = self.post('/services', {'service': {
            'type': 'compute', 'name': self.service_name}})['service']
        endpoint = self.post('/endpoints', {'endpoint': {
            'service_id': service['id'], 'interface': 'internal',
            'region_id': REGION,
            'url': 'http://127.0.0.1:9/compute/%s' % uid}})['endpoint']
        self.post('/registered_limits', {'registered_limits': [{
            'service_id': service['id'], 'region_id': REGION,
            'resource_name': 'servers', 'default_limit': 10}]})
        self.service_id = service['id']
        self.projects = {name: self.post('/projects', {'project': {
            'name': '%s-%s' % (name, uid), 'domain_id': 'default'}})[
            'project']['id'] for name in ('plain', 'raised')}
        # "raised" has a project limit of its own, above the default.
        self.post('/limits', {'limits': [{
            'service_id': service['id'], 'region_id': REGION,
            'project_id': self.projects['raised'],
            'resource_name': 'servers', 'resource_limit': 20}]})
        self.nova_conf = self.write_file('nova.conf', textwrap.dedent('''
            [oslo_limit]
            auth_type = password
            auth_url = {url}
            username = admin
            password = {password}
            user_domain_id = default
            project_name = admin
            project_domain_id = default
            endpoint_id = {endpoint}
            endpoint_interface = internal
        ''').format(url=self.keystone.url, endpoint=endpoint['id'],
                    password=keystone_.ADMIN_PASSWORD))
        # The enforcers' session: Keystone's admin, as [enforcement]
        # would configure it.
        self.clients = clients_.Clients(self.conf,
                                        session=self.keystone.session())

    def post(self, path, body):
        return self.admin.post(self.keystone.url + path, json=body).json()

    def project_limit(self, project):
        limits = self.admin.get(self.keystone.url + '/limits', params={
            'service_id': self.service_id,
            'project_id': self.projects[project]}).json()['limits']
        return [(found['resource_name'], found['resource_limit'])
                for found in limits]

    def nova_allows(self, **usage):
        """{project: whether nova creates one more server with usage}."""
        names = sorted(usage)
        done = subprocess.run(
            [sys.executable, '-m', 'scs_metering.tests.functional.'
             'nova_limits', self.nova_conf, 'servers'] + [
                '%s:%d' % (self.projects[n], usage[n]) for n in names],
            capture_output=True, text=True, timeout=300)
        self.assertEqual(0, done.returncode, done.stderr[-3000:])
        results = json.loads(done.stdout.splitlines()[-1])
        return {n: r['allowed'] for n, r in zip(names, results)}

    def loader(self, **kwargs):
        return loader_.Loader(self.conf, clients=self.clients, **kwargs)

    def rule(self, **overrides):
        action = {'enforcer': 'keystone_limit', 'params': {
            'service': self.service_name, 'resource_name': 'servers',
            'value': 0, 'region': REGION}}
        document = th.budget(threshold='100', clear='90',
                             actions=[action, {'enforcer': 'log'}])
        document.update(overrides)
        return rules.parse_rule(document, 'budget', 1,
                                check_action=self.loader().check_action)

    def test_limit_lowered_then_restored_exactly(self):
        plain, raised = self.projects['plain'], self.projects['raised']
        self.assertEqual({'plain': True, 'raised': True},
                         self.nova_allows(plain=3, raised=15))
        rule = self.rule()
        throttle = th.Throttle(self.loader())
        done = throttle([rule], {plain: '150', raised: '150'})
        self.assertEqual([], done.problems)
        self.assertEqual([('servers', 0)], self.project_limit('plain'))
        self.assertEqual([('servers', 0)], self.project_limit('raised'))
        self.assertEqual({'plain': False, 'raised': False},
                         self.nova_allows(plain=3, raised=3))
        # In the band: nothing changes.
        done = throttle([rule], {plain: '95', raised: '95'})
        self.assertEqual({'unchanged'}, {e[0] for e in done.outcome.events})
        # An admin lifts raised's decision: its own limit of 20 returns.
        throttle.active = [
            d.lift(throttle.as_of, 'paid') if d.project_id == raised else d
            for d in throttle.active]
        throttle([rule], {plain: '95', raised: '95'})
        self.assertEqual([('servers', 20)], self.project_limit('raised'))
        self.assertEqual([dec.LIFTED, dec.OPEN], sorted(
            d.state for d in throttle.active))
        # plain's usage falls below the clear threshold: it had no
        # project limit, so the one set is deleted and the registered
        # default of 10 applies again.
        throttle([rule], {plain: '80', raised: '95'})
        self.assertEqual([], self.project_limit('plain'))
        self.assertEqual({'plain': True, 'raised': True},
                         self.nova_allows(plain=3, raised=15))
        self.assertEqual({'plain': False, 'raised': False},
                         self.nova_allows(plain=10, raised=20))

    def test_project_disable_suspends_and_resumes(self):
        loader = self.loader(enabled=['project_disable'])
        project = self.projects['plain']
        enforcer = loader.get('project_disable')
        done = enforcer.apply(project, {})
        self.assertEqual(({'enabled': True}, {'enabled': False}, True),
                         done)
        url = '%s/projects/%s' % (self.keystone.url, project)
        self.assertFalse(self.admin.get(url).json()['project']['enabled'])
        self.assertFalse(enforcer.apply(project, {}, prior=done.prior)
                         .changed)
        self.assertTrue(enforcer.revert(project, {}, done.prior))
        self.assertTrue(self.admin.get(url).json()['project']['enabled'])


class NotifyOnRabbitTest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.require('rabbitmq')
        vhost = 'scs-throttle-%s' % uuid.uuid4().hex[:8]
        services.rabbitmqctl('add_vhost', vhost)
        self.addCleanup(services.rabbitmqctl, 'delete_vhost', vhost)
        services.rabbitmqctl('set_permissions', '-p', vhost, 'guest',
                             '.*', '.*', '.*')
        self.url = base.RABBIT_URL.rstrip('/') + '/' + vhost
        self.config(transport_url=self.url)
        self.config('oslo_messaging_notifications', driver=['messagingv2'],
                    topics=['notifications'])

    def messages(self):
        found = []
        with kombu.Connection('amqp://' + self.url.split('://', 1)[1]) as \
                connection:
            channel = connection.channel()
            while True:
                message = channel.basic_get('notifications.info',
                                            no_ack=True)
                if message is None:
                    return found
                body = json.loads(message.body)
                found.append(json.loads(body['oslo.message']))

    def test_one_notification_per_opening_and_closing(self):
        rule = th.parse(th.budget(actions=[{'enforcer': 'notify'}]))
        throttle = th.Throttle(loader_.Loader(self.conf,
                                              enabled=['notify']))
        throttle([rule], {'p1': '150'})
        throttle([rule], {'p1': '150'})
        throttle([rule], {'p1': '10'})
        messages = self.messages()
        self.assertEqual([notify.OPENED, notify.CLOSED],
                         [m['event_type'] for m in messages])
        self.assertEqual({'r1:p1:2025-03-10T12:00:00Z'},
                         {m['payload']['dedup_key'] for m in messages})
        self.assertEqual(['open', 'closed'],
                         [m['payload']['state'] for m in messages])
        self.assertEqual('scs-metering.throttling',
                         messages[0]['publisher_id'])
