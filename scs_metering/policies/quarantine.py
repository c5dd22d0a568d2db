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
"""The quarantine holds raw notifications of every project: admins only.

A system reader may look, as at sinks and status; only an administrator
meters entries again, since that changes what customers are billed.
"""

from scs_metering.policies import base

rules = [
    base.rule('quarantine:list', base.ADMIN_OR_SYSTEM_READER,
              'List the notifications that could not become usage, with '
              'their reasons.', 'GET', '/v1/quarantine'),
    base.rule('quarantine:show', base.ADMIN_OR_SYSTEM_READER,
              'Show a quarantine entry with its raw message.', 'GET',
              '/v1/quarantine/{quarantine_id}'),
    base.rule('quarantine:retry', base.ADMIN,
              'Meter quarantined messages again, once what kept them out '
              'is fixed: one entry, or those a filter matches.', 'POST',
              '/v1/quarantine/{quarantine_id}/retry',
              ('POST', '/v1/quarantine/retry')),
]


def list_rules():
    return rules
