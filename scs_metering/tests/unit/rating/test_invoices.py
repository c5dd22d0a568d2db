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
"""Invoice status, hashing, voiding and lines that vanish."""

import datetime

from oslotest import base

from scs_metering.rating import errors
from scs_metering.rating import invoices
from scs_metering.rating import rate
from scs_metering.tests.unit.rating import scenario

UTC = datetime.timezone.utc
day = scenario.day


class InvoiceTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.subscription = scenario.subscription()
        self.period = self.subscription.cycle.period(day(11))

    def rate(self, records=None, until=None):
        return rate.rate(self.subscription, scenario.plan_map(),
                         scenario.price_lists(), self.period,
                         scenario.records() if records is None else records,
                         until=until)

    def draft(self, invoice_id='i', billed=None, since=None, until=None,
              **kwargs):
        return invoices.build(invoice_id, self.subscription,
                              self.rate(until=until), billed or {},
                              day(29), since=since, **kwargs)

    def test_status_machine(self):
        draft = self.draft()
        self.assertEqual('draft', draft['status'])
        self.assertRaises(errors.IllegalTransition, invoices.void, draft,
                          'why', day(29))
        final = invoices.finalize(draft, 'N-1', day(29))
        self.assertEqual('draft', draft['status'])
        self.assertEqual(('finalized', 'N-1'), (final['status'],
                                                final['number']))
        error = self.assertRaises(errors.IllegalTransition,
                                  invoices.finalize, final, 'N-2', day(29))
        self.assertEqual('invoice i is finalized; it cannot become '
                         'finalized', str(error))
        self.assertRaises(errors.BillingError, invoices.void, final, ' ',
                          day(29))
        voided = invoices.void(final, 'wrong customer', day(29))
        self.assertEqual('voided', voided['status'])
        for move in (lambda: invoices.finalize(voided, 'N-3', day(29)),
                     lambda: invoices.void(voided, 'again', day(29))):
            self.assertRaises(errors.IllegalTransition, move)
        self.assertRaises(errors.BillingError, invoices.finalize,
                          self.draft(), '', day(29))

    def test_content_hash(self):
        final = invoices.finalize(self.draft(), 'N-1', day(29))
        self.assertTrue(final['content_hash'].startswith('sha256:'))
        self.assertTrue(invoices.verify(final))
        voided = invoices.void(final, 'wrong customer', day(29))
        self.assertTrue(invoices.verify(voided))
        lines = [dict(final['lines'][0], amount='0.01')]
        edited = dict(final, lines=lines + final['lines'][1:])
        self.assertFalse(invoices.verify(edited))
        self.assertNotEqual(final['content_hash'], invoices.finalize(
            self.draft(), 'N-2', day(29))['content_hash'])

    def test_void_and_replace(self):
        first = invoices.finalize(self.draft('a'), 'N-1', day(29))
        voided = invoices.void(first, 'wrong customer', day(29))
        billed = invoices.billed_state([voided], self.period)
        self.assertEqual({}, billed)
        replacement = self.draft('b', billed, replaces='a')
        self.assertEqual('a', replacement['replaces'])
        self.assertEqual(first['total'], replacement['total'])

    def test_usage_that_vanishes_is_credited(self):
        """An interim billed r01-r02; then their usage was withdrawn.

        The closing invoice credits the 0.15 billed for server-small,
        with the 36 h it no longer has (revisions with quantity 0 leave
        the line's accrual at 0; records that are gone leave no accrual
        at all: both are credited).
        """
        interim = invoices.finalize(self.draft('a', until=day(14)), 'N-1',
                                    day(14))
        billed = invoices.billed_state([interim], self.period)
        for records in ([r for r in scenario.records()
                         if r.id not in ('r01', 'r02')],
                        [r.__class__(**dict(vars(r), quantity=0))
                         if r.id in ('r01', 'r02') else r
                         for r in scenario.records()]):
            final = invoices.build('b', self.subscription,
                                   self.rate(records), billed, day(29),
                                   since=day(14))
            small = [(line['quantity'], line['pricing_quantity'],
                      line['amount']) for line in final['lines']
                     if line['item'] == 'server-small']
            self.assertEqual([('-129600', '-36', '-0.15')], small)

    def test_correction_of_an_open_period_is_not_a_correction(self):
        interim = invoices.finalize(self.draft('a', until=day(14)), 'N-1',
                                    day(14))
        billed = invoices.billed_state([interim], self.period)
        records = [r.__class__(**dict(vars(r), quantity=86400))
                   if r.id == 'r02' else r for r in scenario.records()]
        final = invoices.build('b', self.subscription, self.rate(records),
                               billed, day(29), since=day(14))
        small = [line for line in final['lines']
                 if line['item'] == 'server-small']
        # 48 h, 24 free: 0.30, of which the interim billed 0.15.
        self.assertEqual(['0.15'], [line['amount'] for line in small])
        self.assertEqual([None], [line['charge_class'] for line in small])

    def test_corrections_need_the_whole_period(self):
        self.assertRaises(errors.RatingError, invoices.corrections,
                          self.rate(until=day(14)), {}, 'a')
