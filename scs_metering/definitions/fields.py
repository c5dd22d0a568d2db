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
"""Field extraction from notifications, by JSON Pointer (RFC 6901).

A field spec is one of:

* a pointer string, such as ``/payload/uuid``;
* a list of specs, the first that yields a value wins;
* a mapping with ``path`` (a spec) or ``value`` (a constant), and
  optionally ``type``, ``required``, ``default`` and ``map``.

Type ``present`` yields whether the path holds a value at all (not null,
not empty), such as a floating IP's port. ``where`` picks, from the list
at ``path``, the first element whose pointers hold the given values, and
``get`` reads a pointer inside it: CADF measurements come as a list.

Every converted value is guarded (definitions/guards.py): numbers lie in
``min``..``max`` (by default 0..10**18, which the storage holds), texts
have at most ``max_length`` characters (by default 255, the columns'
length) and no control characters. A field that breaks a guard raises
FieldError, so its message is quarantined with the field's name.
"""

import decimal

from scs_metering.common import timeutils
from scs_metering.definitions import guards

_MISSING = object()


class FieldError(ValueError):
    """A field is missing or has the wrong type. The text names the field."""


class GuardError(FieldError):
    """A field has a value the guards refuse (definitions/guards.py)."""


def split_pointer(pointer):
    if pointer == '':
        return ()
    if not pointer.startswith('/'):
        raise ValueError('a JSON pointer starts with "/": %r' % pointer)
    return tuple(part.replace('~1', '/').replace('~0', '~')
                 for part in pointer[1:].split('/'))


def resolve(document, parts):
    for part in parts:
        if isinstance(document, dict):
            document = document.get(part, _MISSING)
        elif isinstance(document, list) and part.isdigit():
            index = int(part)
            document = document[index] if index < len(document) else _MISSING
        else:
            return _MISSING
        if document is _MISSING:
            return _MISSING
    return document


def _to_str(value):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError('expected a string')
    return str(value)


def _to_int(value):
    if isinstance(value, bool):
        raise TypeError('expected an integer')
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip('-').isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError('expected an integer')


def _to_decimal(value):
    if isinstance(value, bool):
        raise TypeError('expected a number')
    if isinstance(value, (int, str)):
        try:
            result = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise TypeError('expected a number')
    elif isinstance(value, float):
        # repr() of a float is the shortest text that reads back the same,
        # which is what the sender meant.
        result = decimal.Decimal(repr(value))
    else:
        raise TypeError('expected a number')
    if not result.is_finite():
        raise TypeError('expected a finite number')
    return result


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise TypeError('expected a boolean')


def _to_datetime(value):
    try:
        return timeutils.parse(value)
    except ValueError:
        raise TypeError('expected a time')


def _as_is(value):
    return value


CONVERTERS = {
    'str': _to_str,
    'int': _to_int,
    'decimal': _to_decimal,
    'bool': _to_bool,
    'datetime': _to_datetime,
    'any': _as_is,
}


def _empty(value):
    return value is None or value == ''


def _absent(value):
    return value is _MISSING or _empty(value) or value in ([], {})


class Field:
    """A compiled field spec."""

    def __init__(self, name, spec, type_='str', required=False):
        self.name = name
        self.type = type_
        self.required = required
        self.default = None
        self.mapping = None
        self.constant = _MISSING
        self.where = None
        self.get = ()
        self.bounds = {}
        if isinstance(spec, dict):
            self.bounds = _bounds(name, spec)
            self.type = spec.get('type', type_)
            self.required = spec.get('required', required)
            self.default = spec.get('default')
            self.mapping = spec.get('map')
            self.where = [(split_pointer(p), v) for p, v in
                          sorted(spec.get('where', {}).items())] or None
            self.get = split_pointer(spec.get('get', ''))
            if 'value' in spec:
                self.constant = spec['value']
                spec = []
            else:
                spec = spec['path']
        paths = spec if isinstance(spec, list) else [spec]
        self.pointers = [(p, split_pointer(p)) for p in paths]
        self.convert = CONVERTERS.get(self.type)

    def _resolve(self, message, parts):
        found = resolve(message, parts)
        if self.where is None:
            return found
        for item in found if isinstance(found, list) else ():
            if all(resolve(item, p) == v for p, v in self.where):
                return resolve(item, self.get)
        return _MISSING

    def extract(self, message):
        """The field's converted value, or None when absent and optional."""
        if self.constant is not _MISSING:
            return self.constant
        if self.type == 'present':
            return not all(_absent(self._resolve(message, parts))
                           for _pointer, parts in self.pointers)
        source, value = None, _MISSING
        for pointer, parts in self.pointers:
            found = self._resolve(message, parts)
            if found is not _MISSING and not _empty(found):
                source, value = pointer, found
                break
        if value is _MISSING:
            if self.default is not None:
                value, source = self.default, 'default'
            elif self.required:
                raise FieldError('missing field %s (%s)' % (
                    self.name, ' or '.join(p for p, _ in self.pointers)))
            else:
                return None
        if self.mapping is not None:
            value = self.mapping.get(value, value)
        try:
            value = self.convert(value)
        except TypeError as exc:
            raise FieldError('wrong type for field %s at %s: %s, got %s' % (
                self.name, source, exc, _shown(value)))
        refused = guards.check_value('field %s at %s' % (self.name, source),
                                     value, **self.bounds)
        if refused:
            raise GuardError(refused)
        return value


def _bounds(name, spec):
    """The guards a field spec declares, checked against the storage."""
    bounds = {}
    for key, arg in (('min', 'minimum'), ('max', 'maximum')):
        if key in spec:
            bounds[arg] = spec[key]
    for arg in ('minimum', 'maximum'):
        value = bounds.get(arg)
        if value is not None and abs(value) > guards.MAX_NUMBER:
            raise ValueError('%s: %s %s is beyond what the storage holds '
                             '(%s)' % (name, arg, value, guards.MAX_NUMBER))
        if value is None and arg in bounds:
            bounds[arg] = -guards.MAX_NUMBER if arg == 'minimum' else (
                guards.MAX_NUMBER)
    if 'max_length' in spec:
        bounds['max_length'] = spec['max_length']
    return bounds


def _shown(value):
    """A value as a reason shows it: never a whole 20,000-character id."""
    text = repr(value)
    return text if len(text) <= 80 else '%s... (%d characters)' % (
        text[:60], len(text))
