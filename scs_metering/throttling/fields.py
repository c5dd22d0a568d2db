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
"""Fields of rule documents, checked as billing checks its documents.

These wrap billing's field readers (``rating.pricelist``,
``rating.charges``) so that a rule's errors are RuleErrors, and the
API, the CLI and a test can tell a bad rule from a bad price list.
"""

import contextlib

from scs_metering.rating import charges
from scs_metering.rating import errors as rating_errors
from scs_metering.rating import match as match_
from scs_metering.rating import pricelist
from scs_metering.throttling import errors


@contextlib.contextmanager
def as_rule_error():
    """Re-raise billing's DocumentError as a RuleError, same path."""
    try:
        yield
    except errors.RuleError:
        raise
    except rating_errors.DocumentError as exc:
        raise errors.RuleError(exc.path, exc.reason) from None


def text(document, name, path, required=True):
    with as_rule_error():
        return pricelist.text_field(document, name, path, required)


def decimal(document, name, path, required=True):
    with as_rule_error():
        return charges.decimal_field(document, name, path, required)


def check(document, allowed, path):
    with as_rule_error():
        pricelist.check_fields(document, allowed, path)


def match(spec, path):
    with as_rule_error():
        return match_.Match.parse(spec, path)
