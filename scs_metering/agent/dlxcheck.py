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
"""Whether the agent's queues will dead-letter, from the broker's policies.

Without a dead-letter exchange RabbitMQ drops the messages oslo.messaging
rejects, so an undecodable notification is lost instead of quarantined.
The check reads the policies, not the queues: a policy applies to every
queue whose name its pattern matches, declared now or later, so the
queues the agent will declare (``<pool>.<service>`` for each enabled
service) are verified before the agent ever ran. Of the policies that
match a queue RabbitMQ applies the one of highest priority, and so does
the check.

AMQP cannot list policies. The management HTTP API can, but it is an
optional plugin, needs its own address and a user tagged ``policymaker``
or ``monitoring``, which the services' AMQP user normally is not; so the
check asks ``rabbitmqctl``, which runs on a broker node as root (or as a
user with the broker's Erlang cookie). Where it cannot run, the check
says so and names the command to run as root instead of guessing.
"""

import json
import re
import subprocess

import oslo_messaging

from scs_metering.agent import deadletter
from scs_metering.conf import notification

TIMEOUT = 30
# What a policy's apply-to may say to cover a classic or quorum queue.
APPLY_TO = ('all', 'queues', 'classic_queues', 'quorum_queues')


class Unverifiable(Exception):
    """rabbitmqctl is missing, not allowed here, or cannot reach the broker."""


def rabbitmqctl(*args):
    """rabbitmqctl's JSON answer."""
    try:
        done = subprocess.run(
            ('rabbitmqctl', '-q') + args + ('--formatter', 'json'),
            capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return json.loads(done.stdout or '[]')
    except FileNotFoundError:
        raise Unverifiable('rabbitmqctl is not installed here')
    except PermissionError:
        raise Unverifiable('this user may not run rabbitmqctl')
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or exc.stdout or '').strip().splitlines()
        raise Unverifiable('rabbitmqctl failed (exit status %d)%s' % (
            exc.returncode, ': %s' % lines[0] if lines else ''))
    except (subprocess.TimeoutExpired, ValueError) as exc:
        raise Unverifiable('rabbitmqctl gave no answer: %s' % exc)


def policies(vhost):
    """The virtual host's policies, their definitions decoded."""
    found = []
    for policy in rabbitmqctl('list_policies', '-p', vhost):
        definition = policy.get('definition') or {}
        if isinstance(definition, str):
            definition = json.loads(definition)
        found.append(dict(policy, definition=definition))
    return found


def pattern(conf):
    """The admin guide's pattern for this ``[agent] pool``."""
    # re.escape would escape '-' too, which a pattern need not.
    escaped = re.sub(r'([.^$*+?{}\[\]\\|()])', r'\\\1', conf.agent.pool)
    return '^%s\\.' % escaped


def hint(conf, vhost='/'):
    """The admin guide's policy for this ``[agent] pool``."""
    return ("rabbitmqctl set_policy%s %s-dlx '%s' "
            "'{\"dead-letter-exchange\":\"%s\"}' --apply-to queues" % (
                '' if vhost == '/' else ' -p %s' % vhost, conf.agent.pool,
                pattern(conf), deadletter.exchange_name(conf)))


def queues(conf):
    """The queues the agent declares on RabbitMQ, by virtual host."""
    by_vhost = {}
    for service in conf.notification.enabled_services:
        if notification.exchange(conf, service) is None:
            continue
        url = (notification.transport_url(conf, service) or
               conf.transport_url or 'rabbit://')
        if not url.startswith(('rabbit://', 'kombu://')):
            continue
        vhost = oslo_messaging.TransportURL.parse(
            conf, url).virtual_host or '/'
        # oslo.messaging names a listener pool's queue after the pool.
        by_vhost.setdefault(vhost, []).append(
            '%s.%s' % (conf.agent.pool, service))
    return by_vhost


def applied(found, queue):
    """The policies RabbitMQ may apply to ``queue``: the highest matching.

    More than one only when several share the highest priority.
    """
    matching = [p for p in found if p.get('apply-to', 'all') in APPLY_TO and
                re.search(p['pattern'], queue)]
    if not matching:
        return []
    top = max(int(p.get('priority') or 0) for p in matching)
    return [p for p in matching if int(p.get('priority') or 0) == top]


def problems(conf, list_policies=policies):
    """What keeps the agent's queues from dead-lettering; empty if nothing.

    Raises Unverifiable when the policies cannot be read here.
    """
    wanted = deadletter.exchange_name(conf)
    found = []
    for vhost, names in sorted(queues(conf).items()):
        known = list_policies(vhost)
        for name in sorted(names):
            candidates = applied(known, name)
            exchanges = sorted({p['definition'].get(
                'dead-letter-exchange') or 'none' for p in candidates})
            if not candidates:
                found.append('%s (vhost %s): no policy matches it' % (
                    name, vhost))
            elif exchanges != [wanted]:
                found.append('%s (vhost %s): policy %s dead-letters to %s, '
                             'not %s' % (name, vhost, ', '.join(
                                 p['name'] for p in candidates),
                                 ' or '.join(exchanges), wanted))
    return found
