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
"""JSON schema of a definitions file."""

_NAME = {'type': 'string', 'pattern': r'^[A-Za-z0-9_.:-]+$'}
_PATTERNS = {'type': 'array', 'items': {'type': 'string', 'minLength': 1},
             'minItems': 1}
_POINTER = {'type': 'string', 'pattern': '^(/.*)?$'}
_FIELD = {
    'oneOf': [
        _POINTER,
        {'type': 'array', 'items': _POINTER, 'minItems': 1},
        {'type': 'object',
         'properties': {
             'path': {'oneOf': [
                 _POINTER, {'type': 'array', 'items': _POINTER,
                            'minItems': 1}]},
             'value': {},
             'type': {'enum': ['str', 'int', 'decimal', 'bool', 'datetime',
                               'any', 'present']},
             'required': {'type': 'boolean'},
             'default': {},
             'map': {'type': 'object'},
             'where': {'type': 'object', 'minProperties': 1,
                       'propertyNames': {'pattern': '^/'}},
             'get': _POINTER,
             # Guards (definitions/guards.py); null widens a bound to what
             # the storage holds.
             'min': {'type': ['number', 'null']},
             'max': {'type': ['number', 'null']},
             'max_length': {'type': 'integer', 'minimum': 1},
         },
         'oneOf': [{'required': ['path']}, {'required': ['value']}],
         'additionalProperties': False},
    ]
}

RESOURCE_TYPE = {
    'type': 'object',
    'properties': {
        'service': _NAME,
        'description': {'type': 'string'},
    },
    'required': ['service'],
    'additionalProperties': False,
}

METER = {
    'type': 'object',
    'properties': {
        'resource_type': _NAME,
        'kind': {'enum': ['lifecycle', 'gauge', 'counter', 'delta']},
        'unit': {'type': 'string', 'minLength': 1},
        'window': {'type': 'integer', 'minimum': 60},
        'hold': {'type': 'integer', 'minimum': 1},
        'aggregate': {'enum': ['integral', 'average']},
        'starts_at_zero': {'type': 'boolean'},
        'samples_of': _NAME,
        'volume': {'oneOf': [{'type': 'integer', 'minimum': 1}, _NAME]},
        'billable_states': {'type': 'array', 'items': {'type': 'string'}},
        'group_by': {'type': 'array', 'items': _NAME},
        'summary_by': {'type': 'array', 'items': _NAME},
        'description': {'type': 'string'},
    },
    'required': ['resource_type', 'kind', 'unit'],
    'additionalProperties': False,
}

EVENT = {
    'type': 'object',
    'properties': {
        'resource_type': _NAME,
        'event_types': _PATTERNS,
        'exclude': _PATTERNS,
        'provenance': {'enum': ['notification', 'audit']},
        'actions': {
            'type': 'object',
            'properties': {a: _PATTERNS for a in
                           ('create', 'update', 'exists', 'delete',
                            'sample')},
            'additionalProperties': False,
        },
        'delete_state': {'type': 'string', 'minLength': 1},
        'default_action': {'enum': ['create', 'update', 'exists', 'delete',
                                    'sample']},
        'fields': {
            'type': 'object',
            'properties': {
                'resource_id': _FIELD,
                'project_id': _FIELD,
                'user_id': _FIELD,
                'started_at': _FIELD,
                'time': _FIELD,
            },
            'required': ['resource_id', 'project_id', 'time'],
            'additionalProperties': False,
        },
        'time_by_action': {
            'type': 'object',
            'properties': {a: _FIELD for a in
                           ('create', 'update', 'exists', 'delete',
                            'sample')},
            'additionalProperties': False,
        },
        'attributes': {'type': 'object',
                       'additionalProperties': _FIELD},
        'samples': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {'meter': _NAME, 'volume': _FIELD},
                'required': ['meter', 'volume'],
                'additionalProperties': False,
            },
        },
    },
    'required': ['resource_type', 'event_types', 'fields'],
    'additionalProperties': False,
}

IGNORE = {
    'type': 'object',
    'properties': {
        'service': _NAME,
        'event_types': _PATTERNS,
        'reason': {'type': 'string', 'minLength': 1},
    },
    'required': ['service', 'event_types', 'reason'],
    'additionalProperties': False,
}


def _named(schema):
    # null removes an entry defined by an earlier file.
    return {'type': 'object',
            'propertyNames': _NAME,
            'additionalProperties': {'oneOf': [schema, {'type': 'null'}]}}


FILE = {
    'type': 'object',
    'properties': {
        'resource_types': _named(RESOURCE_TYPE),
        'meters': _named(METER),
        'events': _named(EVENT),
        'ignore': {'type': 'array', 'items': IGNORE},
    },
    'additionalProperties': False,
}
