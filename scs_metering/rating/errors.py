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
"""Named errors of the billing core.

Each error says what is wrong and where, so that the API can answer 400
with the message as it is, and a test can tell one failure from another.
"""


class BillingError(ValueError):
    """Base of every error the billing core raises on bad input."""


class DocumentError(BillingError):
    """A price list version, plan or subscription document is invalid.

    ``path`` names the field at fault as a JSON-pointer-like path
    (``prices/2/tiers/1/up_to``), so the API can point at it.
    """

    def __init__(self, path, message):
        self.path = path
        self.reason = message
        super().__init__('%s: %s' % (path or '(document)', message))


class PriceOverlap(DocumentError):
    """Two prices of one version could both match a single usage record."""


class IllegalTransition(BillingError):
    """An invoice was asked to move to a status its status does not allow.

    Storage maps it to 409 Conflict: the invoice exists, but it is not in
    a state that permits the change.
    """

    def __init__(self, invoice_id, current, wanted):
        self.invoice_id = invoice_id
        self.current = current
        self.wanted = wanted
        super().__init__('invoice %s is %s; it cannot become %s' % (
            invoice_id, current, wanted))


class RatingError(BillingError):
    """Inputs that the rating of a period cannot use together.

    Raised for mistakes of the caller (a usage record outside the period,
    a plan that is not given), never for one bad usage record: such a
    record is reported as unrated, with its reason, and billing goes on.
    """


def join(path, *parts):
    """The path of a field inside ``path``: join('prices/0', 'unit')."""
    return '/'.join(str(p) for p in (path,) + parts if p != '')
