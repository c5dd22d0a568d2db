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
"""Forwarding usage events from an agent to the engines."""

import uuid

from oslo_log import log
from oslo_utils import timeutils

from scs_metering.common import timeutils as utc
from scs_metering import messaging

LOG = log.getLogger(__name__)

EVENT_TYPE = 'scs_metering.events'


class Forwarder:
    """Puts batches of events on the internal topic, with confirmation.

    oslo.messaging's Notifier logs and swallows send failures ("at most
    once"), which would let an agent acknowledge notifications whose events
    never left it. This sends through the transport's driver instead, with
    publisher confirms, so a failure raises and the agent requeues.
    """

    def __init__(self, conf, transport=None):
        self.conf = conf
        self.transport = transport or messaging.internal_transport(conf)
        self.target = messaging.internal_target(conf)
        self.target.topic = '%s.info' % conf.engine.topic
        self.publisher_id = 'scs-metering-agent.%s' % conf.host

    def forward(self, service, events, quarantined):
        self._send({
            'service': service,
            'events': [e.to_wire() for e in events],
            'quarantined': [q.to_wire() for q in quarantined],
        })

    def heartbeat(self, host, binary, started_at, info):
        """Tell the engines that this agent worker is alive.

        An empty batch with a ``heartbeat`` field: an engine that does not
        know the field stores nothing.
        """
        self._send({
            'service': None, 'events': [], 'quarantined': [],
            'heartbeat': {'host': host, 'binary': binary,
                          'started_at': utc.isoformat(started_at),
                          'time': utc.isoformat(utc.utcnow()),
                          'info': info},
        })

    def _send(self, payload):
        message = {
            'message_id': str(uuid.uuid4()),
            'publisher_id': self.publisher_id,
            'event_type': EVENT_TYPE,
            'priority': 'INFO',
            'payload': payload,
            'timestamp': str(timeutils.utcnow()),
        }
        self.transport._send_notification(
            self.target, {}, message, version=2.0,
            retry=self.conf.agent.forward_retry)

    def cleanup(self):
        self.transport.cleanup()
