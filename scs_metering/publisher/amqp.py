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
"""The ``amqp`` sink: oslo.messaging notifications on the operator's bus.

Every record revision becomes one notification on ``options.exchange``
with the topic ``options.topic`` (routing key ``<topic>.info``), as any
oslo.messaging notification listener expects. Its ``message_id`` is
stable per record revision, so a consumer deduplicates resends on it;
``event_type`` is ``scs_metering.<kind>`` and the payload the formatted
record. Billing records are named as the billing guide promises tenants'
notifiers: ``metering.invoice.finalized``, ``metering.invoice.voided``
and ``metering.rated_usage``.

Sends go through the transport's driver with publisher confirms, not
through oslo.messaging's Notifier, which logs and drops a failed send: a
record counts as delivered only once the broker took it.
"""

from oslo_config import cfg
import oslo_messaging
from oslo_messaging import opts as messaging_opts
from oslo_utils import timeutils as oslo_timeutils

from scs_metering.db import models
from scs_metering import events as ev
from scs_metering.publisher import base
from scs_metering.publisher import options

PUBLISHER_ID = 'scs-metering'


def event_type(kind):
    prefix = 'metering' if kind in models.BILLING_KINDS else 'scs_metering'
    return '%s.%s' % (prefix, kind)


class AmqpSink(base.Sink):

    def __init__(self, definition):
        super().__init__(definition)
        reader = options.Reader(definition, 'amqp',
                                ('exchange', 'topic', 'durable', 'retry'),
                                ('password',))
        self.retry = reader.option('retry', 1, int, 0)
        self.exchange = reader.option('exchange', 'scs_metering')
        self.topic = reader.option('topic', 'scs_metering_usage')
        self.target = oslo_messaging.Target(
            exchange=self.exchange, topic='%s.info' % self.topic)
        # A configuration of its own: the operator's bus is not ours.
        conf = cfg.ConfigOpts()
        for group, opts in messaging_opts.list_opts():
            conf.register_opts(opts, group=group)
        conf([], project='scs-metering-sink', default_config_files=[],
             default_config_dirs=[])
        conf.set_override('amqp_durable_queues',
                          reader.option('durable', True, bool),
                          group='oslo_messaging_rabbit')
        url = definition.get('url')
        if not isinstance(url, str) or '://' not in url:
            raise base.SinkError('a transport URL such as rabbit://user@'
                                 'host:5672/vhost is required, got %r' % (
                                     url,), 'url')
        try:
            self.transport = oslo_messaging.get_notification_transport(
                conf, url=options.url_with_password(
                    url, reader.secret('password')))
        except (oslo_messaging.InvalidTransportURL,
                oslo_messaging.DriverLoadFailure) as exc:
            raise base.SinkError(str(exc), 'url')

    def confine(self, confinement):
        reason = confinement.topic(self.definition.get('url'),
                                   self.exchange, self.topic)
        if reason:
            raise base.SinkError(reason, 'options.topic')

    def send(self, batch):
        now = str(oslo_timeutils.utcnow())
        for record, document in zip(batch.records, batch.documents):
            message = {
                'message_id': ev.stable_id('amqp', record.id,
                                           record.revision),
                'publisher_id': PUBLISHER_ID,
                'event_type': event_type(models.kind_of(record)),
                'priority': 'INFO',
                'payload': document,
                'timestamp': now,
            }
            try:
                self.transport._send_notification(
                    self.target, {}, message, version=2.0, retry=self.retry)
            except Exception as exc:
                # The broker did not confirm: unreachable, blocked or
                # refusing. The batch is sent again, under the same ids.
                raise base.TransientError('%s: %s' % (type(exc).__name__,
                                                      exc))

    def close(self):
        self.transport.cleanup()
