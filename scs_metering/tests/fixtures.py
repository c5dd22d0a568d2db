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
"""Real OpenStack notification samples, as tests and tools use them.

The samples live in the shared fixtures tree (``../shared/fixtures`` beside
the checkout, or $SCS_METERING_FIXTURES). Nova's versioned samples are
resolved as nova resolves them: a ``{"$ref": "file#", ...}`` object is
replaced by that file's JSON with the sibling keys deep-merged over it.
"""

import copy
import datetime
import json
import os
import uuid

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ROOT = os.environ.get('SCS_METERING_FIXTURES') or os.path.join(
    os.path.dirname(_REPO), 'shared', 'fixtures')
NOTIFICATIONS = os.path.join(ROOT, 'notifications')
API = os.path.join(ROOT, 'api')


def deep_merge(base, overrides):
    """Dicts merge key by key, recursively; other values replace."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_refs(value, directory):
    if isinstance(value, dict):
        if '$ref' in value:
            target = value['$ref'].split('#', 1)[0]
            path = os.path.join(directory, target)
            with open(path) as f:
                base = resolve_refs(json.load(f), os.path.dirname(path))
            siblings = {k: v for k, v in value.items() if k != '$ref'}
            return deep_merge(base, resolve_refs(siblings, directory))
        return {k: resolve_refs(v, directory) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, directory) for v in value]
    return value


def load(relative, root=NOTIFICATIONS):
    """A sample, with its references resolved."""
    path = os.path.join(root, relative)
    with open(path) as f:
        return resolve_refs(json.load(f), os.path.dirname(path))


def all_notification_files():
    found = []
    for directory, _dirs, files in os.walk(NOTIFICATIONS):
        if os.path.basename(directory) == 'common_payloads':
            continue
        found.extend(os.path.relpath(os.path.join(directory, f),
                                     NOTIFICATIONS)
                     for f in files if f.endswith('.json'))
    return sorted(found)


def on_the_wire(message, timestamp=None, message_id=None):
    """A sample as a bus carries it: with a message_id and a timestamp.

    Nova's documentation samples omit both, which every real message has.
    """
    message = dict(message)
    message.setdefault('message_id', message_id or str(uuid.uuid4()))
    if timestamp is not None:
        message['timestamp'] = timestamp
    message.setdefault('timestamp', '2012-10-29 13:42:11.000000')
    return message


def nova(name, data=None, **top):
    """A versioned nova sample with nova_object.data fields overridden."""
    message = load(os.path.join('nova', name + '.json'))
    if data:
        message['payload'] = deep_merge(message['payload'],
                                        {'nova_object.data': data})
    message.update(top)
    return message


def _payload_time(value):
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%SZ')
    return value


def instance(sample, vm, project, user, when, message_id=None, **data):
    """A versioned nova sample about one server, as sent at ``when``.

    ``when`` (a UTC datetime) is the message's timestamp and the payload's
    updated_at; ``data`` overrides more payload fields, datetimes in
    nova's payload form.
    """
    data = {k: _payload_time(v) for k, v in data.items()}
    data.setdefault('uuid', vm)
    data.setdefault('tenant_id', project)
    data.setdefault('user_id', user)
    data.setdefault('updated_at', _payload_time(when))
    return on_the_wire(nova(sample, data),
                       timestamp=when.strftime('%Y-%m-%d %H:%M:%S.%f'),
                       message_id=message_id)


def flavor(name, flavorid, vcpus, memory_mb, root_gb, ephemeral_gb=0):
    """Overrides of a nova FlavorPayload, in its own envelope."""
    return {'nova_object.data': {
        'name': name, 'flavorid': flavorid, 'vcpus': vcpus,
        'memory_mb': memory_mb, 'root_gb': root_gb,
        'ephemeral_gb': ephemeral_gb}}


def legacy(name, payload=None, **top):
    """A legacy nova sample with payload fields overridden."""
    message = load(os.path.join('nova-legacy', name + '.json'))
    if payload:
        message['payload'] = deep_merge(message['payload'], payload)
    message.update(top)
    return message


def envelope(message):
    """The RabbitMQ body of a message: the oslo.messaging 2.0 envelope."""
    return {'oslo.version': '2.0', 'oslo.message': json.dumps(message)}
