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
"""Throttling: administrators write rules and lift decisions; a project's
readers see the decisions about their own project."""

from scs_metering.policies import base

rules = [
    base.rule('rule:create', base.ADMIN, 'Create a throttling rule.',
              'POST', '/v1/rules'),
    base.rule('rule:update', base.ADMIN, 'Change a throttling rule: a new '
              'version, used from the evaluator\'s next run.', 'PUT',
              '/v1/rules/{rule_id}'),
    base.rule('rule:list', base.ADMIN_OR_SYSTEM_READER,
              'List the throttling rules.', 'GET', '/v1/rules'),
    base.rule('rule:show', base.ADMIN_OR_SYSTEM_READER,
              'Show a throttling rule and its versions.', 'GET',
              '/v1/rules/{rule_id}'),
    base.rule('rule:evaluate', base.ADMIN, 'Evaluate the rules (or a '
              'draft rule) without deciding or enforcing anything.', 'POST',
              '/v1/rules/evaluate'),
    base.rule('decision:list', base.PROJECT_READER_OR_ADMIN,
              'List the throttling decisions about one project.', 'GET',
              '/v1/decisions'),
    base.rule('decision:list_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'List the throttling decisions about every project '
              '(all_projects=true).', 'GET', '/v1/decisions'),
    base.rule('decision:show', base.PROJECT_READER_OR_ADMIN,
              'Show a throttling decision.', 'GET',
              '/v1/decisions/{decision_id}'),
    base.rule('decision:lift', base.ADMIN, 'Lift a throttling decision, '
              'with a reason: its enforcement is reverted at the next run.',
              'POST', '/v1/decisions/{decision_id}/lift'),
    base.rule('enforcement:list', base.ADMIN_OR_SYSTEM_READER,
              'List what the enforcers hold, and the values they found.',
              'GET', '/v1/enforcements'),
]


def list_rules():
    return rules
