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
"""Checking request bodies and query strings against JSON schemas.

Error messages name the field and the rule it breaks, never the value
sent: the value may be a secret.
"""

import json
import urllib.parse

import jsonschema

from scs_metering.api import exception
from scs_metering.common import timeutils

# What a body nested too deeply for the JSON decoder parses to.
_TOO_DEEP = object()
JSON_TYPES = ('application/json', 'application/merge-patch+json')

_RULES = {
    'type': lambda v: 'must be of type %s' % (
        ' or '.join(v) if isinstance(v, list) else v),
    'enum': lambda v: 'must be one of %s' % ', '.join(map(str, v)),
    'minLength': 'must be at least %s characters long'.__mod__,
    'maxLength': 'must be at most %s characters long'.__mod__,
    'minimum': 'must be at least %s'.__mod__,
    'maximum': 'must be at most %s'.__mod__,
    'minItems': 'must have at least %s items'.__mod__,
    'maxItems': 'must have at most %s items'.__mod__,
    'maxProperties': 'must have at most %s entries'.__mod__,
    'pattern': 'must match %s'.__mod__,
    'uniqueItems': lambda v: 'must not repeat items',
    'minProperties': lambda v: 'must not be empty',
}


def _message(error, root):
    if error.validator == 'required':
        missing = [name for name in error.validator_value
                   if name not in error.instance]
        return '%s is required' % _path(error, root, missing[0])
    if error.validator == 'additionalProperties':
        extra = sorted(set(error.instance) -
                       set(error.schema.get('properties', {})))
        return '%s is not a known field' % _path(error, root, extra[0])
    rule = _RULES.get(error.validator)
    why = (rule(error.validator_value) if rule else
           'is invalid (%s)' % error.validator)
    return '%s %s' % (_path(error, root), why)


def _path(error, root, leaf=None):
    parts = [str(p) for p in error.absolute_path]
    if leaf is not None:
        parts.append(leaf)
    return '.'.join(parts) if parts else root


def check(data, schema, root='the body'):
    """Raise BadRequest naming the first field that breaks ``schema``."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        raise exception.BadRequest(reason=_message(error, root))


def body(request, schema, exact=False):
    """The request's JSON body, checked against ``schema``.

    ``exact`` refuses any JSON number with a fraction or an exponent,
    before the schema, whatever field it is in: billing documents take
    amounts as decimal strings, and such a number may already have lost
    its exact value in a client's binary float.
    """
    content_type = request.content_type
    if content_type not in JSON_TYPES:
        raise exception.UnsupportedMediaType(type=content_type or 'none')
    raw = request.body
    limit = request.conf.api.max_request_body_size
    if len(raw) > limit:
        raise exception.BodyTooLarge(limit=limit)
    max_depth = request.conf.api.max_json_depth
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise exception.InvalidBody(reason='not valid JSON (%s)' % exc)
    except RecursionError:
        data = _TOO_DEEP
    if data is _TOO_DEEP or depth(data) > max_depth:
        # Checked before the schema, whose validator recurses too.
        raise exception.InvalidBody(
            reason='nested deeper than %d levels' % max_depth)
    try:
        if exact:
            refuse_floats(data)
        check(data, schema)
    except exception.BadRequest as exc:
        raise exception.InvalidBody(reason=exc.message)
    return data


def refuse_floats(data):
    """BadRequest naming the first JSON number with a fraction in data."""
    todo = [((), data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, float):
            raise exception.BadRequest(reason=(
                '%s is the JSON number %s: give amounts and quantities as '
                'decimal strings, such as "0.10" (integers are accepted), '
                'since a number with a fraction may already be a binary '
                'float' % ('.'.join(map(str, path)) or 'the body',
                           json.dumps(value))))
        if isinstance(value, dict):
            todo.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((path + (i,), v) for i, v in enumerate(value))


def depth(data):
    """How deeply arrays and objects nest in ``data``, without recursion."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            todo.extend((item, level + 1) for item in value)
    return deepest


def optional_body(request, schema):
    """The JSON body if there is one, else an empty object."""
    if not request.body:
        return {}
    return body(request, schema)


def _coerce(value, schema):
    kind = schema.get('type')
    if kind == 'integer':
        try:
            return int(value)
        except ValueError:
            return value
    if kind == 'boolean':
        return {'true': True, 'false': False}.get(value.lower(), value)
    return value


def query(request, parameters):
    """Query parameters checked against their schemas, by name.

    ``parameters`` maps each accepted name to its schema; an array schema
    takes the parameter repeated, any other takes it once.
    """
    values = {}
    for name in request.GET:
        if name not in parameters:
            raise exception.InvalidParameter(name=name,
                                             reason='unknown parameter')
    for name, schema in parameters.items():
        given = request.GET.getall(name)
        if not given:
            continue
        if schema.get('type') == 'array':
            values[name] = [_coerce(v, schema['items']) for v in given]
        elif len(given) > 1:
            raise exception.InvalidParameter(name=name,
                                             reason='given more than once')
        else:
            values[name] = _coerce(given[0], schema)
        check(values[name], schema, root='query parameter %s' % name)
    return values


def time(values, name, default=None):
    """A UTC time parameter, or ``default``."""
    if name not in values:
        return default
    try:
        return timeutils.parse(values[name])
    except ValueError:
        raise exception.InvalidParameter(
            name=name, reason='not an ISO 8601 time')


def time_range(values, start_default=None, end_default=None):
    start = time(values, 'start', start_default)
    end = time(values, 'end', end_default)
    if start is not None and end is not None and start >= end:
        raise exception.InvalidParameter(name='end',
                                         reason='must be after start')
    return start, end


def limit(request, values):
    return min(values.get('limit', request.conf.api.default_limit),
               request.conf.api.max_limit)


def page(request, name, items, limit, marker_of):
    """A list response; ``items`` holds one more than ``limit`` if more."""
    document = {name: items[:limit], 'links': []}
    if len(items) > limit:
        params = [(k, v) for k, v in request.GET.items() if k != 'marker']
        params.append(('marker', marker_of(items[limit - 1])))
        document['links'].append({
            'rel': 'next',
            'href': '%s?%s' % (request.path_url,
                               urllib.parse.urlencode(params))})
    return document
