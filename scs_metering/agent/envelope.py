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
"""Reading oslo.messaging messages from their JSON text."""

import json

ENVELOPE_KEY = 'oslo.message'


class MalformedMessage(ValueError):
    pass


def parse(text):
    """The inner notification of a message, with or without its envelope.

    The envelope is {"oslo.version": "2.0", "oslo.message": "<json>"}, as
    RabbitMQ carries it; archives often keep the inner form only.
    """
    data = _loads(text, 'malformed JSON')
    if isinstance(data, dict) and ENVELOPE_KEY in data:
        inner = data[ENVELOPE_KEY]
        if not isinstance(inner, str):
            raise MalformedMessage('malformed envelope: %s is not a '
                                   'string' % ENVELOPE_KEY)
        data = _loads(inner, 'malformed JSON in %s' % ENVELOPE_KEY)
    if not isinstance(data, dict):
        raise MalformedMessage('malformed message: expected a JSON object, '
                               'got %s' % type(data).__name__)
    return data


def _loads(text, what):
    try:
        return json.loads(text)
    except RecursionError:
        raise MalformedMessage('%s: nested too deeply' % what)
    except ValueError as exc:
        raise MalformedMessage('%s: %s' % (what, exc))
