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
"""Transports: the services' buses, and the internal topic."""

import oslo_messaging
from oslo_messaging import opts as messaging_opts

from scs_metering.conf import notification
from scs_metering import service

RABBIT = 'oslo_messaging_rabbit'


def source_transport(conf, service_name):
    """The bus a service sends its notifications to.

    Queue and exchange durability must match what the services declared,
    so these transports use the deployment's [oslo_messaging_rabbit].
    """
    url = notification.transport_url(conf, service_name)
    return oslo_messaging.get_notification_transport(conf, url=url)


def internal_transport(conf):
    """The bus of the internal topic between agents and engines.

    Agents acknowledge a notification once its events are on this topic,
    so its queue must survive a broker restart whatever the deployment's
    durability setting. It gets its own configuration object, read from
    the same files, with durable queues forced on.
    """
    internal = service.reread(conf)
    for group, opts in messaging_opts.list_opts():
        internal.register_opts(opts, group=group)
    internal.set_override('amqp_durable_queues', True, group=RABBIT)
    return oslo_messaging.get_notification_transport(
        internal, url=conf.engine.transport_url or conf.transport_url)


def internal_target(conf):
    return oslo_messaging.Target(exchange=conf.engine.exchange,
                                 topic=conf.engine.topic)
