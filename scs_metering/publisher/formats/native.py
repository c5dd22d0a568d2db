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
"""The native record format, described by doc/source/schemas/native.json.

A batch is a JSON array of records. Quantities and amounts are decimal
strings, so that no JSON reader turns them into floats; times are UTC,
ISO 8601 with a Z suffix. Besides usage and lifecycle records it renders
the billing kinds: a rated line revision (``rated_usage``) and an
invoice's finalization or voiding (``invoice.finalized``, revision 1,
and ``invoice.voided``, revision 2 of the invoice id) with the whole
invoice document.
"""

from scs_metering.common import jsonutils
from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.publisher import base

SCHEMA_VERSION = '1.0'

_iso = timeutils.isoformat
_text = jsonutils.decimal_text


def _common(record):
    return {
        'schema_version': SCHEMA_VERSION,
        'kind': models.kind_of(record),
        'id': record.id,
        'revision': record.revision,
        'replaces': record.replaces,
        'resource_type': record.resource_type,
        'resource_id': record.resource_id,
        'project_id': record.project_id,
        'user_id': record.user_id,
        'attributes': record.attributes,
        'created_at': _iso(record.created_at),
    }


def rated_document(line):
    """A rated line revision (models.RatedLine)."""
    return {
        'schema_version': SCHEMA_VERSION,
        'kind': models.RATED_USAGE,
        'id': line.id,
        'revision': line.revision,
        'replaces': line.replaces,
        'subscription_id': line.subscription_id,
        'period_start': _iso(line.period_start),
        'usage_id': line.usage_id,
        'usage_revision': line.usage_revision,
        'line_key': line.line_key,
        'meter': line.meter,
        'resource_id': line.resource_id,
        'project_id': line.project_id,
        'window_start': _iso(line.window_start),
        'window_end': _iso(line.window_end),
        'quantity': _text(line.quantity),
        'unit': line.unit,
        'pricing_unit': line.pricing_unit,
        'amount': _text(line.amount),
        'currency': line.currency,
        # The record's share of the line, num/den (split windows).
        'share': '%d/%d' % (line.num, line.den),
        'reason': line.reason,
        'created_at': _iso(line.created_at),
    }


def invoice_document(record):
    """An invoice status change (models.InvoiceRecord)."""
    return {
        'schema_version': SCHEMA_VERSION,
        'kind': record.kind,
        'id': record.id,
        'revision': record.revision,
        'replaces': record.replaces,
        'issuer': record.issuer,
        'project_id': record.project_id,
        'invoice': record.document,
    }


def record_document(record):
    kind = models.kind_of(record)
    if kind == models.RATED_USAGE:
        return rated_document(record)
    if kind in models.BILLING_KINDS:
        return invoice_document(record)
    document = _common(record)
    if document['kind'] == models.USAGE:
        document.update(
            meter=record.meter, unit=record.unit,
            quantity=str(record.quantity),
            window_start=_iso(record.window_start),
            window_end=_iso(record.window_end),
            # Seconds of the window backed by each kind of evidence.
            provenance=record.provenance)
    else:
        document.update(
            time=_iso(record.time), time_min=_iso(record.time_min),
            time_max=_iso(record.time_max), provenance=record.provenance,
            voided=record.voided)
    return document


class NativeFormat(base.Format):
    kinds = models.KINDS + models.BILLING_KINDS

    def document(self, record):
        return record_document(record)
