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
"""Tracked resources: a project's readers see their own project's."""

from scs_metering.policies import base

rules = [
    base.rule('resource:list', base.PROJECT_READER_OR_ADMIN,
              'List the tracked resources of one project.', 'GET',
              '/v1/resources'),
    base.rule('resource:list_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'List the tracked resources of all projects '
              '(all_projects=true).', 'GET', '/v1/resources'),
    base.rule('resource:show', base.PROJECT_READER_OR_ADMIN,
              'Show a tracked resource with its billable periods.', 'GET',
              '/v1/resources/{resource_type}/{resource_id}'),
]


def list_rules():
    return rules
