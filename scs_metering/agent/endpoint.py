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
"""The batch endpoint of a service's notifications."""

from oslo_log import log
import oslo_messaging

from scs_metering.agent import converter as converter_mod
from scs_metering import metrics

LOG = log.getLogger(__name__)


def _message(notification):
    """The inner message, rebuilt from what the listener hands over."""
    metadata = notification.get('metadata') or {}
    return {
        'message_id': metadata.get('message_id'),
        'timestamp': metadata.get('timestamp'),
        'publisher_id': notification.get('publisher_id'),
        'event_type': notification.get('event_type'),
        'priority': notification.get('priority'),
        'payload': notification.get('payload'),
    }


class NotificationEndpoint:
    """Converts a batch, forwards it, and only then lets it be acked.

    Every priority is handled: oslo.messaging acknowledges messages of a
    priority that has no method without telling anyone.
    """

    def __init__(self, service, converter, forwarder):
        self.service = service
        self.converter = converter
        self.forwarder = forwarder

    def _handle(self, priority, notifications):
        metrics.inc('scs_metering_notifications_received',
                    len(notifications), service=self.service)
        outcome = converter_mod.Outcome()
        for notification in notifications:
            message = _message(notification)
            message['priority'] = priority.upper()
            self.converter.convert(self.service, message, outcome)
        if outcome.events or outcome.quarantined:
            try:
                self.forwarder.forward(self.service, outcome.events,
                                       outcome.quarantined)
            except Exception:
                LOG.exception('Cannot forward %d events from %s to the '
                              'engine; the notifications are requeued',
                              len(outcome.events), self.service)
                metrics.inc('scs_metering_notifications_requeued',
                            len(notifications), service=self.service)
                return oslo_messaging.NotificationResult.REQUEUE
        metrics.inc('scs_metering_notifications_processed',
                    len(notifications), service=self.service)
        metrics.inc('scs_metering_notifications_quarantined',
                    len(outcome.quarantined), service=self.service)
        metrics.inc('scs_metering_events_forwarded', len(outcome.events),
                    service=self.service)
        for reason in (q.reason for q in outcome.quarantined):
            LOG.warning('Quarantined a %s notification: %s', self.service,
                        reason)
        return oslo_messaging.NotificationResult.HANDLED

    def audit(self, notifications):
        return self._handle('audit', notifications)

    def debug(self, notifications):
        return self._handle('debug', notifications)

    def info(self, notifications):
        return self._handle('info', notifications)

    def warn(self, notifications):
        return self._handle('warn', notifications)

    def error(self, notifications):
        return self._handle('error', notifications)

    def critical(self, notifications):
        return self._handle('critical', notifications)

    def sample(self, notifications):
        return self._handle('sample', notifications)
