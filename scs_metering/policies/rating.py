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
"""Rating: a project's readers see what their own usage costs.

Quotes read prices, which only administrators and system readers may
read by default; an operator who publishes prices can open them to all.
"""

from scs_metering.policies import base

rules = [
    base.rule('rating:quote', base.ADMIN_OR_SYSTEM_READER,
              'Rate a hypothetical usage on a plan, storing nothing.',
              'POST', '/v1/quote'),
    base.rule('rating:get', base.PROJECT_READER_OR_ADMIN,
              'Show the rated usage of one project.', 'GET',
              '/v1/rated-usage'),
    base.rule('rating:get_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'Show the rated usage of all projects (all_projects=true).',
              'GET', '/v1/rated-usage'),
    base.rule('rating:rerate', base.ADMIN,
              'Rate a time range again, with a reason; invoiced periods '
              'are corrected on the next invoice.', 'POST',
              '/v1/rating/rerate'),
]


def list_rules():
    return rules
