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
"""Sink definitions: checking them and storing them."""

import uuid

import yaml

from scs_metering.publisher import base
from scs_metering.publisher import filters
from scs_metering.publisher import loader

DEFAULT_FORMAT = 'native'


def validate(definition):
    """A normalised copy of a sink definition; SinkError if unusable."""
    if not isinstance(definition, dict):
        raise base.SinkError('a sink definition is a mapping')
    name = definition.get('name')
    if not isinstance(name, str) or not name:
        raise base.SinkError('a sink needs a name')
    sink = {
        'name': name,
        'driver': definition.get('driver'),
        'url': definition.get('url'),
        'format': definition.get('format') or DEFAULT_FORMAT,
        'options': definition.get('options') or {},
        'filters': definition.get('filters') or {},
        'secrets': definition.get('secrets'),
    }
    if not isinstance(sink['driver'], str):
        raise base.SinkError('sink %s: driver is required' % name)
    unknown = set(sink['filters']) - set(filters.FIELDS)
    if unknown:
        raise base.SinkError('sink %s: unknown filters: %s' % (
            name, ', '.join(sorted(unknown))))
    try:
        loader.load_format(sink['format'])
        loader.load_sink(sink).close()
    except base.SinkError as exc:
        raise base.SinkError('sink %s: %s' % (name, exc))
    return sink


def put(connection, definition):
    """Create or update a sink by name."""
    sink = validate(definition)
    sink['id'] = str(uuid.uuid4())
    return connection.put_sink(sink)


def seed(connection, path):
    """Create or update the sinks listed in a YAML file."""
    try:
        with open(path) as f:
            document = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise base.SinkError('%s: %s' % (path, exc))
    listed = document.get('sinks') if isinstance(document, dict) else None
    if not isinstance(listed, list):
        raise base.SinkError('%s: expected a "sinks" list' % path)
    return [put(connection, definition) for definition in listed]
