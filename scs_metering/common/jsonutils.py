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
"""JSON as scs-metering stores and hashes it: canonical text."""

import json

# Keys sorted, no spaces. An encoder built once costs less per call than
# json.dumps with options, which builds one every time.
canonical_json = json.JSONEncoder(sort_keys=True, separators=(',', ':')).encode


class Encoded(str):
    """A value already encoded by canonical_json.

    The window closer encodes a record's attributes once, for its group
    key; the insert and the rollup's hash reuse that text.
    """


def encoded(value):
    """The canonical JSON of ``value``, encoding it unless it is Encoded."""
    return value if isinstance(value, Encoded) else canonical_json(value)


def decimal_text(value):
    """The wire form of a Decimal: positional notation, no "-0".

    str() would write 1E+1 or 0E-7, which a reader's decimal pattern
    refuses.
    """
    if value == 0:
        value = value.copy_abs()
    return format(value, 'f')
