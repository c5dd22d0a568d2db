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
"""Usage reports: a project's readers see their own project's usage."""

from scs_metering.policies import base

rules = [
    base.rule('usage:get', base.PROJECT_READER_OR_ADMIN,
              'Show the usage report of one project.', 'GET', '/v1/usage'),
    base.rule('usage:get_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'Show the usage report of all projects (all_projects=true).',
              'GET', '/v1/usage'),
]


def list_rules():
    return rules
