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
"""Who may call what: every endpoint against every kind of caller.

The callers are Keystone's bootstrapped admin, a member and a reader of
project alpha, a reader of project beta, the admin and a reader of the
system (system-scoped tokens), a request without a token and one with a
forged token; tokens are checked by keystonemiddleware
against the real Keystone.
"""

import decimal
import os
import uuid

from scs_metering.common import timeutils
from scs_metering.tests.functional.api import base
from scs_metering.throttling import evaluator
from scs_metering.throttling import rules
from scs_metering.throttling import snapshot

PUBLIC = dict.fromkeys(base.IDENTITIES, 'ok')
AUTHENTICATED = dict(PUBLIC, **{'no-token': 401, 'bad-token': 401})
ADMIN_ONLY = dict(AUTHENTICATED, **{
    'alpha-member': 403, 'alpha-reader': 403, 'beta-reader': 403,
    'system-reader': 403})
# Reading what only admins may change.
ADMIN_READ = dict(ADMIN_ONLY, **{'system-reader': 'ok'})
ALPHA = dict(ADMIN_READ, **{'alpha-member': 'ok', 'alpha-reader': 'ok'})
# Without project_id, each caller gets their own project; a system-scoped
# token has none.
OWN_PROJECT = dict(AUTHENTICATED, **{'system-admin': 400,
                                     'system-reader': 400})

JANUARY = 'start=2026-01-01T00:00:00Z&end=2026-02-01T00:00:00Z'
REPLAY = {'json': {'start': '2026-01-01T00:00:00Z',
                   'end': '2026-01-02T00:00:00Z'}}
RULE = {'scope': {'type': 'all'},
        'metric': {'type': 'quantity', 'meter': 'instance', 'unit': 'hour'},
        'window': {'type': 'lifetime'}, 'threshold': '100',
        'clear_threshold': '90', 'mode': 'observe',
        'actions': [{'enforcer': 'log'}], 'reason': 'RBAC matrix'}


def endpoints(alpha):
    """(method, path, request arguments, admin status, who may call)."""
    sink = '/v1/sinks/{sink}'
    return [
        ('GET', '/', {}, 200, PUBLIC),
        ('GET', '/healthcheck', {}, 200, PUBLIC),
        ('GET', '/v1', {}, 200, AUTHENTICATED),
        ('GET', '/v1/sinks', {}, 200, ADMIN_READ),
        ('POST', '/v1/sinks', {'json': 'new-sink'}, 201, ADMIN_ONLY),
        ('GET', sink, {}, 200, ADMIN_READ),
        ('PATCH', sink, {'json': {'filters': {'meters': ['instance']}}},
         200, ADMIN_ONLY),
        ('POST', sink + '/pause', {}, 200, ADMIN_ONLY),
        ('POST', sink + '/resume', {}, 200, ADMIN_ONLY),
        ('POST', sink + '/replay', REPLAY, 202, ADMIN_ONLY),
        ('POST', sink + '/retry', {}, 200, ADMIN_ONLY),
        ('GET', sink + '/dead-letters', {}, 200, ADMIN_READ),
        ('GET', sink + '/status', {}, 200, ADMIN_READ),
        ('DELETE', sink, {}, 204, ADMIN_ONLY),
        ('GET', '/v1/usage', {}, 200, OWN_PROJECT),
        ('GET', '/v1/usage?project_id=' + alpha, {}, 200, ALPHA),
        ('GET', '/v1/usage?all_projects=true', {}, 200, ADMIN_READ),
        ('GET', '/v1/resources', {}, 200, OWN_PROJECT),
        ('GET', '/v1/resources?project_id=' + alpha, {}, 200, ALPHA),
        ('GET', '/v1/resources?all_projects=true', {}, 200, ADMIN_READ),
        ('GET', '/v1/resources/instance/vm-alpha', {}, 200, ALPHA),
        ('GET', '/v1/status', {}, 200, ADMIN_READ),
        ('GET', '/v1/corrections', {}, 200, ADMIN_ONLY),
        ('POST', '/v1/corrections', {'json': {
            'kind': 'end', 'resource_type': 'instance',
            'resource_id': 'vm-beta', 'time': '2026-01-01T02:00:00Z',
            'reason': 'RBAC matrix'}}, 202, ADMIN_ONLY),
        ('GET', '/v1/quarantine', {}, 200, ADMIN_READ),
        ('POST', '/v1/quarantine/retry', {}, 200, ADMIN_ONLY),
        ('GET', '/v1/rules', {}, 200, ADMIN_READ),
        ('POST', '/v1/rules', {'json': 'new-rule'}, 201, ADMIN_ONLY),
        ('GET', '/v1/rules/{rule}', {}, 200, ADMIN_READ),
        ('PUT', '/v1/rules/{rule}', {'json': RULE}, 200, ADMIN_ONLY),
        ('GET', '/v1/rules/{rule}/versions', {}, 200, ADMIN_READ),
        ('POST', '/v1/rules/evaluate', {'json': {}}, 200, ADMIN_ONLY),
        ('GET', '/v1/decisions', {}, 200, OWN_PROJECT),
        ('GET', '/v1/decisions?project_id=' + alpha, {}, 200, ALPHA),
        ('GET', '/v1/decisions?all_projects=true', {}, 200, ADMIN_READ),
        ('GET', '/v1/decisions/{decision}', {}, 200, ALPHA),
        ('POST', '/v1/decisions/{decision}/lift', {'json': {
            'reason': 'RBAC matrix'}}, 200, ADMIN_ONLY),
        ('GET', '/v1/enforcements', {}, 200, ADMIN_READ),
    ]


class RBACTest(base.APITestCase):

    def call(self, method, path, kwargs, identity):
        sink = self.create_sink('s-' + uuid.uuid4().hex[:8])
        kwargs = dict(kwargs)
        if kwargs.get('json') == 'new-sink':
            kwargs['json'] = self.file_sink('n-' + uuid.uuid4().hex[:8])
        rule = 'r-' + uuid.uuid4().hex[:8]
        if kwargs.get('json') == 'new-rule':
            kwargs['json'] = dict(RULE, id=rule)
        elif '{rule}' in path:
            self.storage.create_rule(rule, RULE, base.START)
        decision = None
        if '{decision}' in path:
            decision = self.open_decision(rule)
        return self.request(method, path.format(
            sink=sink['id'], rule=rule, decision=decision), identity,
            **kwargs)

    def open_decision(self, rule):
        """An open decision about alpha, stored as the evaluator would."""
        parsed = rules.parse_rule(RULE, rule_id=rule, version=1)
        as_of = base.START + 3 * base.HOUR
        found = evaluator.evaluate([parsed], snapshot.Snapshot(
            as_of, {self.project('alpha'): 'default'},
            meter_units={'instance': 's'}).with_totals({
                snapshot.Need('quantity', 'instance', timeutils.EPOCH,
                              as_of): {self.project('alpha'): [
                                  snapshot.Entry('instance', {},
                                                 decimal.Decimal(360000))]}
            }), [])
        [change] = found.changes
        self.storage.save_decisions([change.decision.document()], as_of)
        return change.decision.id

    def test_matrix(self):
        expected, actual = {}, {}
        for method, path, kwargs, ok, allowed in endpoints(
                self.project('alpha')):
            for identity in base.IDENTITIES:
                key = '%s %s as %s' % (method, path, identity)
                want = allowed[identity]
                expected[key] = ok if want == 'ok' else want
                response = self.call(method, path, kwargs, identity)
                actual[key] = response.status_code
                if response.status_code >= 400 and path != '/healthcheck':
                    self.assertIn('error', response.json(), key)
        self.assertEqual(expected, actual)

    def test_readers_see_only_their_project(self):
        alpha = self.project('alpha')
        report = self.request('GET', '/v1/usage?group_by=flavor_name&' +
                              JANUARY, 'alpha-reader').json()
        self.assertEqual(alpha, report['project_id'])
        self.assertEqual([{
            'meter': 'instance', 'unit': 's',
            'group': {'flavor_name': 'test_flavor'}, 'quantity': '10800',
            'provenance': {'notification': 10800, 'audit': 0,
                           'reconciliation': 0, 'correction': 0},
            'inferred_seconds': 0}], report['usage'])
        listed = self.request('GET', '/v1/resources', 'alpha-reader').json()
        self.assertEqual(['vm-alpha'], [r['resource_id']
                                        for r in listed['resources']])
        self.assertEqual(403, self.request(
            'GET', '/v1/resources/instance/vm-beta',
            'alpha-reader').status_code)
        everything = self.request('GET', '/v1/usage?all_projects=true'
                                  '&group_by=project_id&' + JANUARY).json()
        self.assertEqual(
            sorted([alpha, self.project('beta')]),
            sorted(u['group']['project_id'] for u in everything['usage']))

    def test_unauthenticated_gets_keystone_location(self):
        response = self.request('GET', '/v1/sinks', 'no-token')
        self.assertEqual(401, response.status_code)
        self.assertIn(self.keystone.url,
                      response.headers['WWW-Authenticate'])


class PolicyFileTest(base.APITestCase):
    """An operator's policy file overrides the rules in code."""

    @classmethod
    def _write_config(cls):
        policy = os.path.join(cls.dir, 'policy.yaml')
        with open(policy, 'w') as f:
            f.write('"scs-metering:status:get": "role:reader"\n'
                    '"scs-metering:usage:get": "!"\n')
        cls.extra_config = '[oslo_policy]\npolicy_file = %s\n' % policy
        return super()._write_config()

    def test_overrides(self):
        self.assertEqual(200, self.request(
            'GET', '/v1/status', 'alpha-reader').status_code)
        self.assertEqual(403, self.request(
            'GET', '/v1/usage', 'admin').status_code)
        self.assertEqual(403, self.request(
            'GET', '/v1/sinks', 'alpha-reader').status_code)
