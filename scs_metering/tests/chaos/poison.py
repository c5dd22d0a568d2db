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
"""Poison messages: each bad input of issue 13, sent among valid traffic.

Each is a cinder volume.create.end of a live volume's project under a new
volume id, spoiled one way: a value out of range, an absurd time, an id
the database cannot hold, bytes that are no UTF-8, JSON nested too deep, a
wrong type, an event type nobody defines. Each must be quarantined alone
with its true reason (the fragment below), and nothing else may change:
the resource never existed, so no valid usage moves.
"""

import copy
import datetime
import json

from scs_metering.common import timeutils
from scs_metering import events as ev
from scs_metering.tests.simulator import notifier as sim_notifier

BYTES = 'bytes'
DEEP = 'deep'


def _payload(**values):
    def spoil(message, now):
        message['payload'].update(values)
    return spoil


def _time(when):
    def spoil(message, now):
        stamp = when(now)
        message['timestamp'] = stamp
        message['payload']['launched_at'] = stamp
    return spoil


def _event_type(message, now):
    message['event_type'] = 'poison.unknown.type'


def _real_future(now):
    # Four years after the real clock: the simulated one runs behind it.
    return timeutils.isoformat(timeutils.utcnow() + datetime.timedelta(
        days=4 * 365))


# (name, spoil(message, now) or a body kind, reason fragment)
POISONS = (
    ('negative size', _payload(size=-1065), 'less than the minimum 0'),
    ('huge size', _payload(size=10 ** 30), 'more than the maximum'),
    ('1970', _time(lambda now: '1970-01-01T00:00:00Z'),
     'before the earliest time metered'),
    ('4 years ahead', _time(_real_future), 'is in the future'),
    # The id is spoiled on the volume itself (inject below).
    ('NUL in the id', _payload(), "control character '\\x00'"),
    ('20,000-character id', _payload(), '20000 characters long'),
    ('5,000-character project', _payload(tenant_id='p' * 5000),
     '5000 characters long'),
    ('wrong type', _payload(size='ten'), 'wrong type for field size'),
    ('unknown event type', _event_type, 'unknown event type'),
    ('not UTF-8', BYTES, 'not UTF-8 text'),
    ('nested too deep', DEEP, 'nested too deeply'),
)


def inject(injector, fault):
    """Send every poison once; note what the quarantine must hold."""
    live = injector.sim.cloud.live('volume')
    if not live:
        fault.state, fault.notes = 'skipped', ['no volume alive']
        return
    base = injector.rng.choice(live)
    now = injector.sim.clock.now()
    build, sample, event_type = sim_notifier.MESSAGES[('volume', 'create')]
    for name, spoil, reason in POISONS:
        resource = copy.deepcopy(base)
        resource.resource_id = '%032x' % injector.rng.getrandbits(128)
        if name == 'NUL in the id':
            resource.resource_id = 'poison\x00' + resource.resource_id
        elif name == '20,000-character id':
            resource.resource_id = 'v' * 20000
        service, topic, message = build(sample, event_type, resource, now)
        message['message_id'] = '%032x' % injector.rng.getrandbits(128)
        message['_unique_id'] = '%032x' % injector.rng.getrandbits(128)
        if callable(spoil):
            spoil(message, now)
            body = _envelope(message)
            key = ('poison', message['message_id'], reason)
        else:
            body = _spoiled_body(spoil, message)
            key = ('poison-raw', ev.raw_text(body), reason)
        injector.sim.notifier.publish(service, topic, body)
        injector.malformed.append(key)
    fault.detail = '%d poisons' % len(POISONS)


def _envelope(message, inner=None):
    return json.dumps({'oslo.version': '2.0',
                       'oslo.message': inner or json.dumps(message)})


def _spoiled_body(kind, message):
    if kind == BYTES:
        message['payload']['display_name'] = '@@BYTES@@'
        return _envelope(message).encode('utf-8').replace(
            b'@@BYTES@@', b'\xff\xfe\x00')
    message['payload']['display_name'] = '@@DEEP@@'
    inner = json.dumps(message).replace('"@@DEEP@@"',
                                        '[' * 100000 + ']' * 100000)
    return _envelope(message, inner)
