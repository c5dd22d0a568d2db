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
"""Which usage records a price applies to: equality on attributes.

A match maps attribute names to a value, a list of values, or
``{"not_in": [values]}``. A record matches when every named attribute
has an allowed value; an attribute the record lacks counts as null.
There are no patterns, scripts or expressions: what a price covers can
be read off the document, and whether two prices can both cover one
record is decided exactly (``overlap``), when the price list is
published, not discovered on an invoice.

Values compare by their JSON text, so ``2`` and ``"2"`` are one value:
attributes are strings and integers taken from notifications, and an
operator should not have to know which.
"""

import dataclasses

from scs_metering.rating import errors

MAX_VALUES = 1000


def value_key(value):
    """The text a value compares by; None for null or an odd type."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (str, int)):
        return str(value)
    return None


@dataclasses.dataclass(frozen=True)
class Condition:
    """``attribute`` in (or, if ``negated``, not in) ``values``."""

    attribute: str
    values: frozenset
    negated: bool = False

    def accepts(self, value):
        return (value_key(value) in self.values) != self.negated

    def common_value(self, other):
        """A value both conditions accept, or None if there is none.

        Returns a 1-tuple so that null is a possible answer; the text
        "any value but ..." when the answer is "almost anything".
        """
        if not self.negated and not other.negated:
            both = sorted(self.values & other.values, key=str)
            return (both[0],) if both else None
        if self.negated and other.negated:
            return ('any value but %s' % ', '.join(
                sorted(map(str, self.values | other.values))),)
        allowed, refused = ((self, other) if not self.negated
                            else (other, self))
        left = sorted(allowed.values - refused.values, key=str)
        return (left[0],) if left else None

    def document(self):
        values = sorted(self.values, key=lambda v: (v is None, str(v)))
        return {'not_in': values} if self.negated else values


def _condition(attribute, spec, path):
    negated = False
    if isinstance(spec, dict):
        if set(spec) != {'not_in'}:
            raise errors.DocumentError(path, 'a condition is a value, a '
                                       'list of values, or {"not_in": '
                                       '[values]}')
        negated, spec, path = True, spec['not_in'], path + '/not_in'
    values = spec if isinstance(spec, list) else [spec]
    if not values or len(values) > MAX_VALUES:
        raise errors.DocumentError(path, 'give 1 to %d values' % MAX_VALUES)
    keys = set()
    for index, value in enumerate(values):
        key = value_key(value)
        if key is None and value is not None:
            raise errors.DocumentError(
                '%s/%d' % (path, index) if isinstance(spec, list) else path,
                'a value is a string, an integer, a boolean or null, not '
                '%s' % type(value).__name__)
        keys.add(key)
    return Condition(attribute, frozenset(keys), negated)


@dataclasses.dataclass(frozen=True)
class Match:
    """All conditions of one price, sorted by attribute."""

    conditions: tuple = ()

    @classmethod
    def parse(cls, spec, path='match'):
        if spec is None:
            return cls()
        if not isinstance(spec, dict):
            raise errors.DocumentError(path, 'a match is an object of '
                                       'attribute: condition')
        conditions = []
        for attribute in sorted(spec):
            if not attribute or not isinstance(attribute, str):
                raise errors.DocumentError(path, 'attribute names are '
                                           'non-empty strings')
            conditions.append(_condition(attribute, spec[attribute],
                                         '%s/%s' % (path, attribute)))
        return cls(tuple(conditions))

    @property
    def attributes(self):
        return tuple(c.attribute for c in self.conditions)

    def matches(self, attributes):
        return all(c.accepts(attributes.get(c.attribute))
                   for c in self.conditions)

    def overlap(self, other):
        """A record both matches accept, as {attribute: value}, or None.

        Two matches overlap unless some attribute that both constrain
        has no value that both accept. An attribute that only one of
        them names never separates them: a record may carry any value
        there. The returned witness is for the error message.
        """
        mine = {c.attribute: c for c in self.conditions}
        witness = {}
        for theirs in other.conditions:
            condition = mine.get(theirs.attribute)
            if condition is None:
                continue
            common = condition.common_value(theirs)
            if common is None:
                return None
            witness[theirs.attribute] = common[0]
        return witness

    def document(self):
        return {c.attribute: c.document() for c in self.conditions}
