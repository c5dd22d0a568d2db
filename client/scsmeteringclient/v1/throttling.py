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
"""Throttling: rules and their versions, decisions, enforcement records."""

from scsmeteringclient.v1 import base


class RuleManager(base.Manager):

    def create(self, document, rule_id=None):
        """Version 1 of a rule; ``document`` as the throttling guide says."""
        body = dict(document)
        if rule_id is not None:
            body['id'] = rule_id
        return self.http.request('POST', '/rules', json=body)

    def update(self, rule_id, document, expected_version=None):
        """A new version of a rule, from its whole document.

        With ``expected_version``, refused (Conflict) if another version
        came after the one edited.
        """
        body = dict(document)
        if expected_version is not None:
            body['expected_version'] = expected_version
        return self.http.request('PUT', '/rules/%s' % base.quote(rule_id),
                                 json=body)

    def get(self, rule_id):
        """The latest version of a rule."""
        return self.http.request('GET', '/rules/%s' % base.quote(rule_id))

    def list(self):
        """The latest version of every rule."""
        return self.http.request('GET', '/rules')['rules']

    def versions(self, rule_id):
        return self.http.request('GET', '/rules/%s/versions' % base.quote(
            rule_id))['versions']

    def evaluate(self, rule_id=None, document=None):
        """What the next run would change; nothing is decided."""
        body = {}
        if rule_id is not None:
            body['rule_id'] = rule_id
        if document is not None:
            body['rule'] = document
        return self.http.request('POST', '/rules/evaluate', json=body)


class DecisionManager(base.Manager):

    def list(self, project_id=None, all_projects=False, rule_id=None,
             state=None, limit=None, marker=None):
        """Decisions, newest opening first; the token's project by default.

        ``state`` is open, lifted, closed or active (open or lifted).
        """
        return self._list('/decisions', 'decisions', {
            'project_id': project_id,
            'all_projects': 'true' if all_projects else None,
            'rule_id': rule_id, 'state': state}, limit, marker)

    def get(self, decision_id):
        return self.http.request('GET', '/decisions/%s' % base.quote(
            decision_id))

    def lift(self, decision_id, reason):
        """Lift an open decision; enforcement is reverted at the next run."""
        return self.http.request('POST', '/decisions/%s/lift' % base.quote(
            decision_id), json={'reason': reason})


class EnforcementManager(base.Manager):

    def list(self, project_id=None):
        params = {'project_id': project_id} if project_id else None
        return self.http.request('GET', '/enforcements',
                                 params=params)['enforcements']
