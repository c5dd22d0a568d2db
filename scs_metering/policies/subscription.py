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
"""Subscriptions: administrators manage them; a project's readers see
their project's own."""

from scs_metering.policies import base

_SUBSCRIPTION = '/v1/subscriptions/{subscription_id}'

rules = [
    base.rule('subscription:create', base.ADMIN,
              'Subscribe a project or a domain to a plan.', 'POST',
              '/v1/subscriptions'),
    base.rule('subscription:list', base.PROJECT_READER_OR_ADMIN,
              'List the subscriptions of one project.', 'GET',
              '/v1/subscriptions'),
    base.rule('subscription:list_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'List the subscriptions of every project, or of a domain '
              '(all_projects=true, domain_id).', 'GET', '/v1/subscriptions'),
    base.rule('subscription:show', base.PROJECT_READER_OR_ADMIN,
              'Show a subscription.', 'GET', _SUBSCRIPTION),
    base.rule('subscription:update', base.ADMIN,
              'Change the future of a subscription: plan changes, end, '
              'customer reference.', 'PATCH', _SUBSCRIPTION),
]


def list_rules():
    return rules
