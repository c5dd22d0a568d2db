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
"""Sinks decide where usage goes: only administrators manage them.

System readers may look at them and at their delivery.
"""

from scs_metering.policies import base

_SINK = '/v1/sinks/{sink_id}'

rules = [
    base.rule('sink:create', base.ADMIN, 'Create a sink.', 'POST',
              '/v1/sinks'),
    base.rule('sink:list', base.ADMIN_OR_SYSTEM_READER, 'List sinks.',
              'GET', '/v1/sinks'),
    base.rule('sink:show', base.ADMIN_OR_SYSTEM_READER, 'Show a sink.',
              'GET', _SINK),
    base.rule('sink:update', base.ADMIN, 'Update a sink.', 'PATCH', _SINK),
    base.rule('sink:delete', base.ADMIN, 'Delete a sink.', 'DELETE', _SINK),
    base.rule('sink:pause', base.ADMIN, 'Stop deliveries to a sink.',
              'POST', _SINK + '/pause'),
    base.rule('sink:resume', base.ADMIN, 'Resume deliveries to a sink.',
              'POST', _SINK + '/resume'),
    base.rule('sink:replay', base.ADMIN,
              'Deliver the records of a time range to a sink again.',
              'POST', _SINK + '/replay'),
    base.rule('sink:retry', base.ADMIN,
              'Deliver the dead letters of a sink again.', 'POST',
              _SINK + '/retry'),
    base.rule('sink:dead_letters', base.ADMIN_OR_SYSTEM_READER,
              'List the dead letters of a sink.', 'GET',
              _SINK + '/dead-letters'),
    base.rule('sink:status', base.ADMIN_OR_SYSTEM_READER,
              'Show the delivery status of a sink.', 'GET',
              _SINK + '/status'),
]


def list_rules():
    return rules
