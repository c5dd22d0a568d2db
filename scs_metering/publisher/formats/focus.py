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
"""Invoices as FinOps FOCUS 1.2 rows, in CSV or JSON Lines.

One row per invoice line. We sell at list price with no discount or
commitment, so BilledCost, EffectiveCost, ListCost and ContractedCost
are all the line's rounded amount, and the sum of BilledCost is the
invoice's total to the cent. BillingPeriod* is the invoice's period;
ChargePeriod* is when the charge accrued, which for a ``Correction``
line (ChargeClass) lies in the earlier period it corrects. SkuPriceId
names the price version (price list, version, price id) that rated the
line; SubAccountId is the project (or domain) billed.

Amounts stay decimal strings end to end: in CSV as written, in JSON
Lines as JSON strings, so that no reader turns them into floats.

As a sink format (``focus``) it renders invoice records: an
``invoice.finalized`` record is its invoice's rows; an ``invoice.voided``
record is the same rows with every cost and quantity negated and
ChargeClass ``Correction``, so that the sum of BilledCost over everything
a sink received is what stands billed. The option ``encoding`` is
``csv`` (default) or ``jsonl``: a batch is one CSV document with its
header, or JSON Lines; the file sink writes the CSV header once, at the
top of an empty file.
"""

import csv
import decimal
import io
import json

from scs_metering.db import models
from scs_metering.publisher import base

COLUMNS = (
    'BilledCost', 'BillingAccountId', 'BillingAccountName',
    'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
    'ChargeCategory', 'ChargeClass', 'ChargeDescription',
    'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart',
    'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
    'ContractedUnitPrice', 'EffectiveCost', 'InvoiceId',
    'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
    'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName',
    'ServiceCategory', 'ServiceName', 'SkuId', 'SkuPriceId',
    'SubAccountId',
)
# Invoice line kinds (rating.lines) and how FOCUS classifies them.
_CATEGORY = {'usage': ('Usage', 'Usage-Based'),
             'minimum': ('Usage', 'Usage-Based'),
             'fee': ('Purchase', 'Recurring')}
SERVICE_NAME = 'OpenStack cloud'


def _sku_price_id(line):
    if line.get('price_list') is None:
        # A plan's own fee: no price list names it.
        return 'plan:%s:%s' % (line['plan'], line['item'])
    return '%s:%s:%s' % (line['price_list'], line['version'], line['item'])


def invoice_rows(document, issuer):
    """The FOCUS rows of an invoice document, one per line, in order."""
    scope = document.get('project_id') or document.get('domain_id')
    account = document.get('customer_ref') or document['subscription_id']
    rows = []
    for line in document['lines']:
        category, frequency = _CATEGORY[line['kind']]
        amount = line['amount']
        usage = line['kind'] == 'usage'
        rows.append({
            'BilledCost': amount, 'EffectiveCost': amount,
            'ListCost': amount, 'ContractedCost': amount,
            'BillingAccountId': account,
            'BillingAccountName': document.get('customer_ref'),
            'BillingCurrency': document['currency'],
            'BillingPeriodStart': document['billing_period_start'],
            'BillingPeriodEnd': document['billing_period_end'],
            'ChargeCategory': category,
            'ChargeClass': line.get('charge_class'),
            'ChargeDescription': line.get('description'),
            'ChargeFrequency': frequency,
            'ChargePeriodStart': line['charge_period_start'],
            'ChargePeriodEnd': line['charge_period_end'],
            'ConsumedQuantity': line['quantity'] if usage else None,
            'ConsumedUnit': line['unit'] if usage else None,
            'ContractedUnitPrice': line.get('unit_price'),
            'ListUnitPrice': line.get('unit_price'),
            'InvoiceId': document.get('number') or document['id'],
            'InvoiceIssuerName': issuer,
            'PricingCategory': 'Standard',
            'PricingQuantity': line['pricing_quantity'],
            'PricingUnit': line['pricing_unit'],
            'ProviderName': issuer,
            'PublisherName': issuer,
            'ServiceCategory': 'Other',
            'ServiceName': SERVICE_NAME,
            'SkuId': line['item'],
            'SkuPriceId': _sku_price_id(line),
            'SubAccountId': scope,
        })
    return rows


def to_csv(rows):
    """CSV with a header; an empty cell is a null."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator='\n')
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ('' if v is None else v) for k, v in row.items()})
    return out.getvalue()


def to_json_lines(rows):
    """One JSON object per line, keys sorted, amounts as strings."""
    return ''.join(json.dumps(row, sort_keys=True, separators=(',', ':')) +
                   '\n' for row in rows)


# The columns a voiding negates.
_NEGATED = ('BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost',
            'ConsumedQuantity', 'PricingQuantity')
CSV = 'csv'
JSON_LINES = 'jsonl'


def voided_rows(rows):
    """The rows that take back a voided invoice's rows."""
    return [dict(row, ChargeClass='Correction', **{
        name: str(-decimal.Decimal(row[name])) for name in _NEGATED
        if row[name] is not None}) for row in rows]


class FocusFormat(base.Format):
    """Invoice records as FOCUS rows; see the module's doc."""

    kinds = (models.INVOICE_FINALIZED, models.INVOICE_VOIDED)
    default_kinds = kinds

    def __init__(self, options=None):
        super().__init__(options)
        self.encoding = self.options.get('encoding') or CSV
        if self.encoding not in (CSV, JSON_LINES):
            raise base.SinkError('must be %s or %s, got %r' % (
                CSV, JSON_LINES, self.encoding), 'options.encoding')
        self.content_type = ('text/csv' if self.encoding == CSV
                             else 'application/jsonl')

    def document(self, record):
        rows = invoice_rows(record.document, record.issuer)
        if record.kind == models.INVOICE_VOIDED:
            rows = voided_rows(rows)
        return {'id': record.id, 'revision': record.revision,
                'kind': record.kind, 'rows': rows}

    @staticmethod
    def _rows(documents):
        return [row for doc in documents for row in doc['rows']]

    def encode(self, documents):
        rows = self._rows(documents)
        if self.encoding == CSV:
            return to_csv(rows).encode()
        return to_json_lines(rows).encode()

    def file_lines(self, documents):
        if self.encoding == JSON_LINES:
            return b'', self.encode(documents)
        text = to_csv(self._rows(documents))
        cut = text.index('\n') + 1
        return text[:cut].encode(), text[cut:].encode()
