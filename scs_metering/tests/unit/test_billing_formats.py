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
"""Billing records as sinks receive them: native, focus, lago, amqp.

Records are the rating core's worked example (tests/unit/rating/
scenario.py): its rated lines and its finalized, then voided, invoice.
"""

import csv
import dataclasses
import datetime
import decimal
import io
import json

import jsonschema

from scs_metering.billing import biller
from scs_metering.db import models
from scs_metering.publisher import amqp
from scs_metering.publisher import base as publisher
from scs_metering.publisher import delivery
from scs_metering.publisher import file
from scs_metering.publisher import filters
from scs_metering.publisher import loader
from scs_metering.publisher import manager
from scs_metering.rating import invoices
from scs_metering.rating import rate
from scs_metering.tests import base
from scs_metering.tests.unit.rating import scenario
from scs_metering.tests.unit import test_publisher_formats

D = decimal.Decimal
NOW = datetime.datetime(2024, 3, 2, tzinfo=datetime.timezone.utc)


class BillingRecords:
    """The worked example's rated lines and invoice records."""

    def setUp(self):
        super().setUp()
        sub = scenario.subscription()
        period = sub.cycle.period(scenario.day(11))
        rating = rate.rate(sub, scenario.plan_map(), scenario.price_lists(),
                           period, scenario.records())
        self.lines = [dataclasses.replace(line, revision=1, created_at=NOW)
                      for line in biller.stored_lines(rating, period)]
        draft = invoices.build('inv-1', sub, rating, {}, NOW)
        finalized = invoices.finalize(draft, 'ACME-1', NOW)
        voided = invoices.void(finalized, 'typo', NOW)
        self.finalized = models.InvoiceRecord.of(
            models.INVOICE_FINALIZED, models.Invoice(voided, 'ACME'))
        self.voided = models.InvoiceRecord.of(
            models.INVOICE_VOIDED, models.Invoice(voided, 'ACME'))
        self.total = D(finalized['total'])


class BillingFormatsTest(BillingRecords, base.TestCase):

    def test_native_rated_line(self):
        doc = loader.load_format('native').document(self.lines[0])
        line = self.lines[0]
        self.assertEqual(('rated_usage', line.id, 1, None), (
            doc['kind'], doc['id'], doc['revision'], doc['replaces']))
        self.assertEqual((str(line.amount), str(line.quantity), 'EUR'), (
            doc['amount'], doc['quantity'], doc['currency']))
        self.assertEqual('%d/%d' % (line.num, line.den), doc['share'])
        # No float anywhere: every amount crosses JSON as a string.
        self.assertNotIn('.', json.dumps([v for v in doc.values()
                                          if not isinstance(v, str)]))
        corrected = loader.load_format('native').document(
            dataclasses.replace(line, revision=2))
        self.assertEqual(1, corrected['replaces'])

    def test_native_invoice_records(self):
        fmt = loader.load_format('native')
        finalized = fmt.document(self.finalized)
        voided = fmt.document(self.voided)
        self.assertEqual(('invoice.finalized', 'inv-1', 1, None, 'ACME'), (
            finalized['kind'], finalized['id'], finalized['revision'],
            finalized['replaces'], finalized['issuer']))
        # The finalization reads as it was, even delivered after voiding.
        self.assertEqual(('finalized', None), (
            finalized['invoice']['status'],
            finalized['invoice']['void_reason']))
        self.assertTrue(invoices.verify(finalized['invoice']))
        self.assertEqual(('invoice.voided', 2, 1, 'voided', 'typo'), (
            voided['kind'], voided['revision'], voided['replaces'],
            voided['invoice']['status'], voided['invoice']['void_reason']))

    def test_native_documents_follow_the_published_schema(self):
        with open(test_publisher_formats.NATIVE_SCHEMA) as f:
            schema = json.load(f)
        fmt = loader.load_format('native')
        corrected = dataclasses.replace(self.lines[1], revision=2,
                                        amount=D('1E+1'), quantity=D(0))
        documents = [fmt.document(r) for r in self.lines + [
            corrected, self.finalized, self.voided]]
        jsonschema.Draft202012Validator(schema).validate(
            json.loads(fmt.encode(documents)))
        # Exact decimals in positional notation, never 1E+1.
        self.assertEqual(('10', '0'), (documents[-3]['amount'],
                                       documents[-3]['quantity']))

    def focus_rows(self, fmt, *records):
        documents = [fmt.document(r) for r in records]
        return list(csv.DictReader(io.StringIO(
            fmt.encode(documents).decode())))

    def test_focus_csv_sums_to_what_stands_billed(self):
        fmt = loader.load_format('focus')
        self.assertEqual('text/csv', fmt.content_type)
        rows = self.focus_rows(fmt, self.finalized)
        self.assertEqual(self.total, sum((D(r['BilledCost']) for r in rows),
                                         D(0)))
        both = self.focus_rows(fmt, self.finalized, self.voided)
        self.assertEqual(2 * len(rows), len(both))
        # The voiding takes every row back, as a correction.
        self.assertEqual(D(0), sum((D(r['BilledCost']) for r in both),
                                   D(0)))
        self.assertEqual({'Correction'}, {r['ChargeClass']
                                          for r in both[len(rows):]})
        self.assertEqual(
            [str(-D(r['PricingQuantity'])) for r in rows],
            [r['PricingQuantity'] for r in both[len(rows):]])

    def test_focus_json_lines(self):
        fmt = loader.load_format('focus', {'encoding': 'jsonl'})
        body = fmt.encode([fmt.document(self.finalized)]).decode()
        rows = [json.loads(line) for line in body.splitlines()]
        self.assertEqual(self.total, sum((D(r['BilledCost']) for r in rows),
                                         D(0)))
        self.assertTrue(all(isinstance(r['BilledCost'], str) for r in rows))
        self.assertRaises(publisher.SinkError, loader.load_format, 'focus',
                          {'encoding': 'xml'})

    def test_focus_file_has_one_header(self):
        fmt = loader.load_format('focus')
        sink = file.FileSink({'url': 'file://%s/focus.csv' % self.tempdir})
        for record in (self.finalized, self.voided):
            documents = [fmt.document(record)]
            sink.send(publisher.Batch([record], documents,
                                      fmt.encode(documents),
                                      fmt.content_type, fmt))
        with open('%s/focus.csv' % self.tempdir) as f:
            text = f.read()
        self.assertEqual(1, text.count('BilledCost'))
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(D(0), sum((D(r['BilledCost']) for r in rows),
                                   D(0)))

    def test_lago_sends_what_changed(self):
        fmt = loader.load_format('lago', {
            'external_subscription_id': 'CRM-0042'})
        line = self.lines[0]
        second = dataclasses.replace(line, revision=2,
                                     quantity=line.quantity / 2,
                                     amount=line.amount / 2)
        first_event = fmt.document(line)
        event = fmt.document(second, line)
        self.assertEqual(('%s:2' % line.id, 'CRM-0042'), (
            event['transaction_id'], event['external_subscription_id']))
        # Revision 2 halves the line: its event takes back half.
        self.assertEqual(line.quantity, D(first_event['properties'][
            'quantity']))
        self.assertEqual(-(line.quantity / 2), D(event['properties'][
            'quantity']))
        body = json.loads(fmt.encode([first_event, event]))
        self.assertEqual([first_event, event], body['events'])

    def test_lago_batches_are_cut_at_a_hundred(self):
        self.config('publisher', batch_size=500)
        deliverer = delivery.Deliverer(self.conf, None, 'a')
        self.assertEqual(100, deliverer.settings(
            {'format': 'lago', 'options': {}})[0])
        self.assertEqual(500, deliverer.settings(
            {'format': 'native', 'options': {}})[0])

    def test_amqp_event_types(self):
        self.assertEqual('metering.invoice.finalized',
                         amqp.event_type(models.INVOICE_FINALIZED))
        self.assertEqual('metering.invoice.voided',
                         amqp.event_type(models.INVOICE_VOIDED))
        self.assertEqual('scs_metering.usage', amqp.event_type('usage'))


class BillingFiltersTest(BillingRecords, base.TestCase):

    def sink(self, fmt='native', **filters_):
        return {'format': fmt, 'filters': filters_}

    def test_billing_kinds_only_when_asked(self):
        plain = self.sink()
        for record in (self.lines[0], self.finalized, self.voided):
            self.assertFalse(filters.takes(plain, record))
            self.assertTrue(filters.takes(self.sink(kinds=['billing']),
                                          record))
        self.assertTrue(filters.takes(self.sink(kinds=['rated_usage']),
                                      self.lines[0]))
        self.assertFalse(filters.takes(self.sink(kinds=['rated_usage']),
                                       self.finalized))
        self.assertTrue(filters.takes(self.sink('focus'), self.voided))
        self.assertFalse(filters.takes(self.sink('focus'), self.lines[0]))
        self.assertTrue(filters.takes(self.sink('lago'), self.lines[0]))
        self.assertFalse(filters.takes(self.sink('lago'), self.finalized))
        # Projects filter invoices and rated lines by their project.
        self.assertTrue(filters.takes(self.sink(
            kinds=['billing'], projects=['p1']), self.finalized))
        self.assertFalse(filters.takes(self.sink(
            kinds=['billing'], projects=['p2']), self.lines[0]))
        # Invoices have no meter: a meters filter keeps them out.
        self.assertFalse(filters.takes(self.sink(
            kinds=['billing'], meters=['instance']), self.finalized))

    def test_a_format_takes_only_kinds_it_renders(self):
        for fmt, kinds in (('ceilometer', ['rated_usage']),
                           ('cloudevents', ['billing']),
                           ('focus', ['usage']), ('lago', ['invoice.voided'])):
            exc = self.assertRaises(publisher.SinkError, manager.validate, {
                'name': 's', 'driver': 'file', 'url': 'file:///tmp/s',
                'format': fmt, 'filters': {'kinds': kinds}})
            self.assertEqual('filters.kinds', exc.field)
        manager.validate({'name': 's', 'driver': 'file',
                          'url': 'file:///tmp/s', 'format': 'native',
                          'filters': {'kinds': ['usage', 'billing']}})
        # The sql sink's table has no columns for billing records.
        exc = self.assertRaises(publisher.SinkError, manager.validate, {
            'name': 's', 'driver': 'sql',
            'url': 'sqlite:///%s/erp.db' % self.tempdir,
            'filters': {'kinds': ['invoice.finalized']}})
        self.assertEqual('filters.kinds', exc.field)

    def test_unknown_format_takes_what_a_plain_one_does(self):
        self.assertFalse(filters.takes(self.sink('gone'), self.finalized))
