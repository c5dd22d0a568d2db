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
"""The notify enforcer: metering.decision.opened and .closed on the bus.

oslo.messaging notifications, as every OpenStack service sends them, so
that the operator's own systems (a mailer, a CRM, a Horizon panel) learn
of decisions. The transport, driver and topics are oslo.messaging's
[oslo_messaging_notifications] options.

The payload is the decision's document: its ``dedup_key`` names the
opening. A notification is sent once per opening and once per closing
when the run's enforcement record is stored; a crash between the send
and the store sends it again on the next run, with the same key, for
receivers to drop.
"""

import oslo_messaging

from scs_metering.throttling.enforcers import base

OPENED = 'metering.decision.opened'
CLOSED = 'metering.decision.closed'


class NotifyEnforcer(base.Announcer):

    def __init__(self, conf, notifier=None, **clients):
        super().__init__(conf, **clients)
        self._notifier = notifier

    @property
    def notifier(self):
        if self._notifier is None:
            transport = oslo_messaging.get_notification_transport(self.conf)
            self._notifier = oslo_messaging.Notifier(
                transport, publisher_id=self.conf.throttling.publisher_id)
        return self._notifier

    def announce(self, event, project_id, decision):
        payload = ({'project_id': project_id} if decision is None
                   else decision.document())
        payload['event'] = event
        self.notifier.info({}, OPENED if event == 'opened' else CLOSED,
                           payload)
