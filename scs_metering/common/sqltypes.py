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
"""SQLAlchemy column types that keep usage exact on every database.

The usage store (db/sqlalchemy) and the ``sql`` sink, which writes to the
operator's own database, both use them.
"""

import decimal
import json

import sqlalchemy as sa
from sqlalchemy import types

from scs_metering.common import jsonutils


class ExactDecimal(types.TypeDecorator):
    """A Decimal that never passes through a float.

    PostgreSQL and MySQL store it as NUMERIC(40, 9). SQLite would turn
    large NUMERIC values into REAL, so there it is kept as text.
    """

    impl = sa.Numeric(40, 9)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == 'sqlite':
            return dialect.type_descriptor(sa.String(64))
        return dialect.type_descriptor(sa.Numeric(40, 9, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = decimal.Decimal(value)
        if dialect.name == 'sqlite':
            return str(value)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        value = decimal.Decimal(value)
        # NUMERIC(40, 9) pads with zeros; normalise so equal quantities
        # compare and print the same on every database.
        return value.quantize(1) if value == value.to_integral() else (
            value.normalize())


class JSONText(types.TypeDecorator):
    """A JSON document stored as text, identical on every backend."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return str(jsonutils.encoded(value))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)
