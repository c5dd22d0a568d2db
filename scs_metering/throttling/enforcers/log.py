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
"""The log enforcer: a warning when a decision opens, and when it closes.

A first action for a new rule, together with observe mode: it shows
which projects a rule would throttle before anything is enforced.
"""

from oslo_log import log

from scs_metering.throttling.enforcers import base

LOG = log.getLogger(__name__)


class LogEnforcer(base.Announcer):

    def announce(self, event, project_id, decision):
        if decision is None:
            LOG.warning('Throttling decision %s for project %s', event,
                        project_id)
            return
        LOG.warning('Throttling decision %(id)s %(event)s for project '
                    '%(project)s: rule %(rule)s version %(version)s, '
                    '%(value)s %(unit)s (threshold %(threshold)s, mode '
                    '%(mode)s, %(state)s%(why)s): %(reason)s',
                    {'id': decision.id, 'event': event,
                     'project': project_id, 'rule': decision.rule_id,
                     'version': decision.version,
                     'value': decision.closed_value
                     if event == 'closed' and decision.closed_value
                     is not None else decision.value,
                     'unit': decision.unit, 'threshold': decision.threshold,
                     'mode': decision.mode, 'state': decision.state,
                     'why': ', %s' % decision.close_reason
                     if decision.close_reason else '',
                     'reason': decision.reason})
