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
"""Rules the resource policies are built from.

They use Keystone's default roles, which imply each other: admin implies
member, member implies reader. An admin of any project administers the
whole cloud, as in Nova and Octavia. System-scoped tokens are accepted
too, as in the secure RBAC of current OpenStack services: a system admin
is an admin, and a system reader may read everything an admin may read
but change nothing.
"""

from oslo_policy import policy

PREFIX = 'scs-metering:'
# Every rule takes project-scoped and system-scoped tokens; a
# domain-scoped token is refused.
SCOPES = ['system', 'project']

ADMIN = 'rule:admin'
ADMIN_OR_SYSTEM_READER = 'rule:admin_or_system_reader'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault(
        name='admin', check_str='role:admin',
        description='A cloud administrator: the admin of any project, or '
                    'the admin of the system (system-scoped token).'),
    policy.RuleDefault(
        name='system_reader',
        check_str='role:reader and system_scope:all',
        description='A reader (or member, or admin) of the system, with a '
                    'system-scoped token.'),
    policy.RuleDefault(
        name='admin_or_system_reader',
        check_str='%s or rule:system_reader' % ADMIN,
        description='A cloud administrator, or a system reader.'),
    policy.RuleDefault(
        name='project_reader',
        check_str='role:reader and project_id:%(project_id)s',
        description='A reader, member or admin of the project the request '
                    'is about.'),
    policy.RuleDefault(
        name='project_reader_or_admin',
        check_str='%s or rule:project_reader' % ADMIN_OR_SYSTEM_READER,
        description='A cloud administrator, a system reader, or a reader '
                    'of the project the request is about.'),
]


def list_rules():
    return rules


def rule(name, check_str, description, method, path, *more):
    """A documented rule of an API operation, or of (method, path) more."""
    operations = [(method, path)] + list(more)
    return policy.DocumentedRuleDefault(
        name=PREFIX + name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=SCOPES)
