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
"""Corrections change what customers are billed: administrators only."""

from scs_metering.policies import base

rules = [
    base.rule('correction:create', base.ADMIN,
              'Correct usage: void an event, end a resource or move the '
              'start or end of its life, or re-meter an edited quarantined '
              'message.', 'POST', '/v1/corrections'),
    base.rule('correction:list', base.ADMIN,
              'List the corrections, with who asked for them and why.',
              'GET', '/v1/corrections'),
    base.rule('correction:show', base.ADMIN, 'Show a correction.', 'GET',
              '/v1/corrections/{correction_id}'),
]


def list_rules():
    return rules
