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
"""The simulated services' notifications, as they travel. A TEST TOOL.

Messages are the real samples (copies under templates/notifications)
with the simulated resource's fields filled in, sent to RabbitMQ in the
oslo.messaging 2.0 envelope on each service's exchange and topic. A
seeded share of them can be dropped, delayed (sent after later ones) or
duplicated, to play a lossy bus.
"""

import copy
import datetime
import json
import os
import random
import uuid

import kombu

from scs_metering.common import timeutils
from scs_metering.tests.simulator import api

VERSIONED = 'versioned_notifications'
LEGACY = 'notifications'


def _time(when):
    return None if when is None else timeutils.isoformat(when)


def _stamp(when):
    # oslo.messaging's str(utcnow()).
    return when.strftime('%Y-%m-%d %H:%M:%S.%f')


def _flavor(data, attributes):
    data['flavor']['nova_object.data'].update({
        'name': attributes['flavor_name'],
        'flavorid': attributes['flavor_id'],
        'vcpus': attributes['vcpus'],
        'memory_mb': attributes['memory_mb'],
        'root_gb': attributes['root_gb'],
        'ephemeral_gb': attributes['ephemeral_gb']})


def instance(sample, event_type, resource, when):
    message = api.template(os.path.join('notifications', sample + '.json'))
    data = message['payload']['nova_object.data']
    a = resource.attributes
    data.update({
        'uuid': resource.resource_id, 'tenant_id': resource.project_id,
        'user_id': resource.user_id, 'state': a['state'],
        'display_name': resource.name,
        'created_at': _time(resource.created_at),
        'launched_at': _time(resource.launched_at),
        'updated_at': _time(resource.updated_at),
        'deleted_at': _time(resource.deleted_at),
        'terminated_at': _time(resource.deleted_at)})
    _flavor(data, a)
    if 'audit_period' in data:
        data['audit_period']['nova_object.data'].update({
            'audit_period_beginning': _time(when),
            'audit_period_ending': _time(when)})
    message.update(event_type=event_type, timestamp=_stamp(when))
    return 'nova', VERSIONED, message


def volume(sample, event_type, resource, when):
    message = api.template(os.path.join('notifications', sample + '.json'))
    a = resource.attributes
    message['payload'].update({
        'volume_id': resource.resource_id,
        'tenant_id': resource.project_id, 'user_id': resource.user_id,
        'display_name': resource.name, 'size': a['size'],
        'status': a['state'], 'volume_type': a['volume_type'],
        'created_at': _stamp(resource.created_at),
        'launched_at': _stamp(resource.launched_at)})
    message.update(event_type=event_type, timestamp=_stamp(when))
    return 'cinder', LEGACY, message


def snapshot(sample, event_type, resource, when):
    message = api.template(os.path.join('notifications', sample + '.json'))
    message['payload'].update({
        'snapshot_id': resource.resource_id,
        'tenant_id': resource.project_id, 'user_id': resource.user_id,
        'display_name': resource.name,
        'volume_size': resource.attributes['size'],
        'created_at': _stamp(resource.launched_at)})
    message.update(event_type=event_type, timestamp=_stamp(when))
    return 'cinder', LEGACY, message


def neutron(kind):
    """Builder of neutron's floating IP or router notifications.

    A create carries the resource; a delete only its id, as neutron's
    samples show.
    """
    def build(sample, event_type, resource, when):
        message = api.template(os.path.join('notifications',
                                            sample + '.json'))
        if event_type.endswith('.delete.end'):
            message['payload'] = {'%s_id' % kind: resource.resource_id}
        else:
            body = message['payload'][kind]
            a = resource.attributes
            body.update(id=resource.resource_id,
                        tenant_id=resource.project_id, status=a['state'])
            if kind == 'floatingip':
                body.update(floating_network_id=a['floating_network_id'],
                            port_id=a.get('port_id'))
            else:
                network = a.get('external_network_id')
                body['external_gateway_info'] = (
                    None if network is None else {'network_id': network})
        message.update(event_type=event_type, timestamp=_stamp(when))
        return 'neutron', LEGACY, message
    return build


def zone(sample, event_type, resource, when):
    message = api.template(os.path.join('notifications', sample + '.json'))
    message['payload'].update({
        'id': resource.resource_id, 'tenant_id': resource.project_id,
        'name': '%s.example.org.' % resource.name,
        'type': resource.attributes.get('type', 'PRIMARY')})
    message.update(event_type=event_type, timestamp=_stamp(when))
    return 'designate', LEGACY, message


# (resource type, change) -> (builder, sample, event type). Images and
# load balancers have no notifications here: their samples show no
# billable create (glance's image.create is "queued") or no delete at all
# (octavia); reconciliation alone meters them in the simulation.
MESSAGES = {
    ('instance', 'create'): (instance, 'instance-create-end',
                             'instance.create.end'),
    ('instance', 'resize'): (instance, 'instance-resize_finish-end',
                             'instance.resize_finish.end'),
    ('instance', 'confirm'): (instance, 'instance-resize_confirm-end',
                              'instance.resize_confirm.end'),
    ('instance', 'delete'): (instance, 'instance-delete-end',
                             'instance.delete.end'),
    ('instance', 'exists'): (instance, 'instance-exists',
                             'instance.exists'),
    ('volume', 'create'): (volume, 'volume.create.end',
                           'volume.create.end'),
    ('volume', 'resize'): (volume, 'volume.resize.end',
                           'volume.resize.end'),
    ('volume', 'delete'): (volume, 'volume.delete.end',
                           'volume.delete.end'),
    ('volume', 'exists'): (volume, 'volume.exists', 'volume.exists'),
    ('snapshot', 'create'): (snapshot, 'snapshot.create.end',
                             'snapshot.create.end'),
    ('snapshot', 'delete'): (snapshot, 'snapshot.delete.end',
                             'snapshot.delete.end'),
    ('floating_ip', 'create'): (neutron('floatingip'),
                                'floatingip.create.end',
                                'floatingip.create.end'),
    ('floating_ip', 'delete'): (neutron('floatingip'),
                                'floatingip.delete.end',
                                'floatingip.delete.end'),
    ('router', 'create'): (neutron('router'), 'router.create.end',
                           'router.create.end'),
    ('router', 'delete'): (neutron('router'), 'router.delete.end',
                           'router.delete.end'),
    ('dns_zone', 'create'): (zone, 'dns.zone.create', 'dns.zone.create'),
    ('dns_zone', 'delete'): (zone, 'dns.zone.delete', 'dns.zone.delete'),
}


class Notifier:
    """Publishes the notifications of changes, with a lossy bus's faults.

    ``exchanges`` maps a service (nova, cinder, ...) to its exchange and
    ``topics`` a topic name to the one to publish on, so that parallel
    tests keep apart. ``drop``, ``delay``, ``reorder`` and ``duplicate``
    are the shares of messages lost, held back, sent after the next
    message, or sent twice. A held message waits until ``flush``, or,
    with ``delay_for`` (low, high) seconds of simulated time, until
    ``release`` is called that much later. A duplicate is the same
    notification (same message_id) sent again, as a service that retries
    does, under a fresh ``_unique_id``: oslo.messaging's own filter of
    repeated ids does not hide it from scs-metering.

    ``durable`` declares the exchanges durable, as services do with
    ``[oslo_messaging_rabbit] amqp_durable_queues``. Every publish waits
    for the broker's confirmation and is retried across a lost
    connection, so that a message counted as sent is on the broker.
    """

    def __init__(self, url, exchanges=None, topics=None, seed=0, drop=0.0,
                 delay=0.0, duplicate=0.0, reorder=0.0, delay_for=None,
                 durable=False):
        self.connection = kombu.Connection(
            url, transport_options={'confirm_publish': True})
        self.exchanges = dict(exchanges or {})
        self.topics = dict(topics or {})
        self.random = random.Random(seed)
        self.drop, self.delay, self.duplicate = drop, delay, duplicate
        self.reorder, self.delay_for, self.durable = (reorder, delay_for,
                                                      durable)
        self.sent, self.dropped, self.held = [], [], []
        # Messages sent after a later one; times a held one is due.
        self.behind, self.due = [], {}
        self.delayed, self.duplicated, self.reordered = [], [], []
        self._producer = None

    def close(self):
        self.connection.release()

    def notify(self, resource, change, when):
        """Tell about one change, or play that the bus lost it."""
        key = (resource.resource_type, change)
        if key not in MESSAGES:
            return None
        build, sample, event_type = MESSAGES[key]
        service, topic, message = build(sample, event_type,
                                        copy.deepcopy(resource), when)
        message['message_id'] = str(uuid.UUID(
            int=self.random.getrandbits(128), version=4))
        # oslo.messaging's sender adds a fresh one to every message (its
        # receivers drop a repeated one); the samples kept theirs.
        message['_unique_id'] = self._unique_id()
        draw = self.random.random()
        if draw < self.drop:
            self.dropped.append(message)
        elif draw < self.drop + self.delay:
            self.held.append((service, topic, message))
            self.delayed.append(message)
            if self.delay_for:
                self.due[message['message_id']] = when + datetime.timedelta(
                    seconds=self.random.uniform(*self.delay_for))
        elif draw < self.drop + self.delay + self.reorder:
            self.behind.append((service, topic, message))
            self.reordered.append(message)
        else:
            self._publish(service, topic, message)
            if self.random.random() < self.duplicate:
                copied = dict(message, _unique_id=self._unique_id())
                self._publish(service, topic, copied)
                self.duplicated.append(copied)
            # Those waiting for a later message go now, after it.
            behind, self.behind = self.behind, []
            for held in behind:
                self._publish(*held)
        return message

    def _unique_id(self):
        return '%032x' % self.random.getrandbits(128)

    def release(self, now):
        """Send the held messages whose delay has passed, oldest due first.

        Only messages held with ``delay_for`` are ever due.
        """
        due = sorted((self.due[m['message_id']], n) for n, (_s, _t, m) in
                     enumerate(self.held) if m['message_id'] in self.due and
                     self.due[m['message_id']] <= now)
        going = {n for _when, n in due}
        held = self.held
        self.held = [h for n, h in enumerate(held) if n not in going]
        for _when, n in due:
            del self.due[held[n][2]['message_id']]
            self._publish(*held[n])

    def flush(self):
        """Send every held-back message.

        The reordered ones go first, then the held ones, newest first.
        """
        behind, self.behind = self.behind, []
        held, self.held = self.held, []
        self.due = {}
        for service, topic, message in behind + list(reversed(held)):
            self._publish(service, topic, message)

    def publish(self, service, topic, body):
        """Send an AMQP body (text) as ``service`` would, confirmed.

        Nothing is counted as sent: tests use it to inject what no
        service would send, such as a body that is not JSON.
        """
        exchange = kombu.Exchange(self.exchanges.get(service, service),
                                  type='topic', durable=self.durable)
        if self._producer is None:
            self._producer = kombu.Producer(self.connection)
        # Retried on a new connection if the broker went away; a publish
        # whose confirmation was lost may arrive twice, as with any
        # at-least-once sender.
        send = self.connection.ensure(
            self._producer, self._producer.publish, max_retries=300,
            interval_start=0.1, interval_step=0.2, interval_max=1)
        send(body, exchange=exchange,
             routing_key='%s.info' % self.topics.get(topic, topic),
             content_type='application/json', content_encoding='utf-8',
             declare=[exchange])

    def _publish(self, service, topic, message):
        self.publish(service, topic, json.dumps({
            'oslo.version': '2.0', 'oslo.message': json.dumps(message)}))
        self.sent.append(message)
