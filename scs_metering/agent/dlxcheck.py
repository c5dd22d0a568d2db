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
"""Whether the agent's queues dead-letter, as rabbitmqctl reports it.

Without a dead-letter exchange RabbitMQ drops the messages oslo.messaging
rejects, so an undecodable notification is lost instead of quarantined.
AMQP cannot tell whether a queue has one: queue.declare-ok carries only
counts, and a passive declare ignores the arguments it is given. The
management HTTP API could, but it is an optional plugin, often not
enabled. rabbitmqctl reports each queue's policy and arguments wherever
it can reach the broker (on a broker node, or with its Erlang cookie),
so it is what the check asks; where it cannot run, the check says so
instead of guessing.
"""

import json
import subprocess

import oslo_messaging

from scs_metering.agent import deadletter
from scs_metering.conf import notification

TIMEOUT = 30


class Unverifiable(Exception):
    """rabbitmqctl is missing or cannot reach the broker."""


def rabbitmqctl(*args):
    """rabbitmqctl's JSON answer."""
    try:
        done = subprocess.run(
            ('rabbitmqctl', '-q') + args + ('--formatter', 'json'),
            capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return json.loads(done.stdout or '[]')
    except FileNotFoundError:
        raise Unverifiable('rabbitmqctl is not installed here')
    except subprocess.CalledProcessError as exc:
        raise Unverifiable('rabbitmqctl failed: %s' % (
            exc.stderr.strip() or exc.returncode))
    except (subprocess.TimeoutExpired, ValueError) as exc:
        raise Unverifiable('rabbitmqctl gave no answer: %s' % exc)


def _arguments(queue):
    found = queue.get('arguments') or {}
    return dict(found) if isinstance(found, list) else found


def hint(conf):
    """The admin guide's policy for this ``[agent] pool``."""
    pool = conf.agent.pool
    return ('rabbitmqctl set_policy %s-dlx \'^%s\\.\' \'{"dead-letter-'
            'exchange":"%s"}\' --apply-to queues' % (
                pool, pool.replace('.', '\\.').replace('-', '\\-'),
                deadletter.exchange_name(conf)))


def queues(conf):
    """The agent's queues on RabbitMQ, by virtual host."""
    by_vhost = {}
    for service in conf.notification.enabled_services:
        url = (notification.transport_url(conf, service) or
               conf.transport_url)
        if not url or not url.startswith(('rabbit://', 'kombu://')):
            continue
        vhost = oslo_messaging.TransportURL.parse(
            conf, url).virtual_host or '/'
        by_vhost.setdefault(vhost, []).append(
            '%s.%s' % (conf.agent.pool, service))
    return by_vhost


def problems(conf):
    """What is wrong with the agent's queues; empty when nothing is.

    Raises Unverifiable when rabbitmqctl cannot tell.
    """
    wanted = deadletter.exchange_name(conf)
    by_vhost = queues(conf)
    found = []
    for vhost, names in sorted(by_vhost.items()):
        policies = {p['name']: p
                    for p in rabbitmqctl('list_policies', '-p', vhost)}
        declared = {q['name']: q for q in rabbitmqctl(
            'list_queues', '-p', vhost, 'name', 'policy', 'arguments')}
        for name in sorted(names):
            queue = declared.get(name)
            if queue is None:
                found.append('%s: not declared yet (start the agent)' % name)
                continue
            exchange = _arguments(queue).get('x-dead-letter-exchange')
            policy = policies.get(queue.get('policy') or '')
            if exchange is None and policy is not None:
                definition = policy.get('definition') or {}
                if isinstance(definition, str):
                    definition = json.loads(definition)
                exchange = definition.get('dead-letter-exchange')
            if exchange != wanted:
                found.append('%s: dead-letter exchange %s, not %s' % (
                    name, exchange or 'none', wanted))
    return found
