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
"""Billing storage: versions, plans, subscriptions, rated lines, invoices.

``Scenario`` runs here on SQLite and in the functional tests on
PostgreSQL and MariaDB, against documents of the rating core's worked
example (tests/unit/rating/scenario.py).
"""

import dataclasses
import datetime
import decimal
import functools

from scs_metering.billing import biller
from scs_metering.db import api as db_api
from scs_metering.db import models
from scs_metering.publisher import filters
from scs_metering.publisher import manager
from scs_metering.rating import invoices
from scs_metering.rating import rate
from scs_metering.tests import base
from scs_metering.tests.unit.rating import scenario

NOW = datetime.datetime(2024, 3, 2, tzinfo=datetime.timezone.utc)
MATCH = filters.matching_sinks
D = decimal.Decimal


def rated_lines(rating, period_start):
    """The rating core's RatedUsage as storage keeps them."""
    return biller.stored_lines(rating, rating.period)


class Scenario:
    """Needs ``self.connection``."""

    def setup_billing(self):
        c = self.connection
        version = scenario.PRICE_LIST_VERSION
        c.create_price_list('public', 'EUR', 'Public prices', NOW)
        c.add_price_list_version('public', scenario.day(1) - datetime.
                                 timedelta(days=31), version['prices'], NOW,
                                 description=version['description'])
        c.create_plan('standard', 'public', scenario.PLAN, NOW)
        sub = scenario.subscription()
        c.put_subscription(models.Subscription(
            id=sub.id, document=scenario.SUBSCRIPTION, started_at=sub.start,
            project_id='p1', anchor_day='1', timezone='Europe/Berlin',
            customer_ref='CRM-0042'), NOW)
        self.sub = sub
        self.period = sub.cycle.period(scenario.day(11))

    def rating(self, records=None):
        return rate.rate(self.sub, scenario.plan_map(),
                         scenario.price_lists(), self.period,
                         scenario.records() if records is None else records)

    def draft(self, invoice_id, rating=None, billed=None):
        return invoices.build(invoice_id, self.sub, rating or self.rating(),
                              billed or {}, NOW)

    def check_price_lists(self):
        c = self.connection
        self.setup_billing()
        self.assertRaises(db_api.Conflict, c.create_price_list, 'public',
                          'EUR', None, NOW)
        prices = scenario.PRICE_LIST_VERSION['prices']
        second = c.add_price_list_version(
            'public', scenario.day(15), prices[:2], NOW, forced=True,
            force_reason='price cut agreed on 14 February')
        self.assertEqual(2, second.number)
        self.assertEqual('price cut agreed on 14 February',
                         second.force_reason)
        self.assertRaises(db_api.Conflict, c.add_price_list_version,
                          'public', scenario.day(15), prices, NOW)
        self.assertRaises(db_api.NotFound, c.add_price_list_version,
                          'nope', scenario.day(16), prices, NOW)
        stored = c.price_list('public')
        self.assertEqual('EUR', stored.currency)
        self.assertEqual([1, 2], [v.number for v in stored.versions])
        # Prices come back as published, in their order: the rating core
        # parses them again without a difference.
        self.assertEqual(list(prices), list(stored.versions[0].prices))
        self.assertEqual(scenario.PRICE_LIST_VERSION['effective_from'],
                         stored.versions[0].document()['effective_from'])
        self.assertEqual(['public'], [p.id for p in c.price_lists()])
        self.assertRaises(db_api.NotFound, c.price_list, 'nope')

    def check_plans_and_subscriptions(self):
        c = self.connection
        self.setup_billing()
        self.assertRaises(db_api.Conflict, c.create_plan, 'standard',
                          'public', scenario.PLAN, NOW)
        self.assertRaises(db_api.NotFound, c.create_plan, 'other', 'nope',
                          scenario.PLAN, NOW)
        self.assertEqual(scenario.PLAN, c.plan('standard').document)
        self.assertRaises(db_api.Conflict, c.delete_plan, 'standard')
        c.create_plan('spare', 'public', dict(scenario.PLAN, id='spare'),
                      NOW)
        c.delete_plan('spare')
        self.assertEqual(['standard'], [p.id for p in c.plans()])
        ended = dict(scenario.SUBSCRIPTION, end='2024-06-01T00:00:00Z')
        stored = c.put_subscription(models.Subscription(
            id='sub-1', document=ended, started_at=self.sub.start,
            ended_at=datetime.datetime(2024, 6, 1,
                                       tzinfo=datetime.timezone.utc),
            project_id='p1'), NOW)
        self.assertEqual(2, stored.revision)
        self.assertEqual(ended, c.subscription('sub-1').document)
        self.assertEqual(['sub-1'], [s.id for s in c.subscriptions('p1')])
        self.assertEqual([], c.subscriptions('p2'))
        self.assertRaises(db_api.NotFound, c.subscription, 'nope')

    def check_rated_lines_append_only(self):
        c = self.connection
        self.setup_billing()
        start = self.period.start
        first = rated_lines(self.rating(), start)
        stored = c.store_rated('sub-1', start, first, NOW, MATCH)
        self.assertEqual([1] * len(first), [r.revision for r in stored])
        # The same rating again changes nothing.
        self.assertEqual([], c.store_rated('sub-1', start, first, NOW, MATCH))
        # r05 corrected down to half a day: r05 and the records after it
        # in its line (r06, r07) change share; r08.. are in other lines.
        records = [dataclasses.replace(r, quantity=43200, revision=2)
                   if r.id == 'r05' else r for r in scenario.records()]
        again = rated_lines(self.rating(records), start)
        changed = c.store_rated('sub-1', start, again, NOW, MATCH,
                                reason='usage correction')
        self.assertEqual({'r05'}, {r.usage_id for r in changed
                                   if r.usage_revision == 2})
        self.assertTrue(all(r.revision == 2 for r in changed))
        self.assertEqual('usage correction', changed[0].reason)
        current = c.rated_lines(subscription_id='sub-1')
        self.assertEqual(len(first), len(current))
        by_usage = {r.usage_id: r for r in current}
        self.assertEqual(D('43200'), by_usage['r05'].quantity)
        # Revision 1 is still there, unchanged.
        old = c.rated_revisions([(by_usage['r05'].id, 1)])
        self.assertEqual(D('86400'),
                         old[(by_usage['r05'].id, 1)].quantity)
        self.assertFalse(old[(by_usage['r05'].id, 1)].current)
        # A record that leaves the rating gets a revision costing nothing.
        kept = [r for r in again if r.usage_id != 'r09']
        gone = c.store_rated('sub-1', start, kept, NOW, MATCH)
        self.assertEqual([('r09', D(0), D(0))],
                         [(r.usage_id, r.quantity, r.amount) for r in gone])
        self.assertEqual(sum((r.amount for r in again
                              if r.usage_id != 'r09'), D(0)),
                         sum((r.amount for r in c.rated_lines(
                             period_start=start)), D(0)))
        page = c.rated_lines(project_id='p1', limit=3)
        following = c.rated_lines(project_id='p1', limit=3,
                                  marker=page[-1].id)
        self.assertEqual([r.id for r in current[3:6]],
                         [r.id for r in following])

    def check_invoice_life(self):
        c = self.connection
        self.setup_billing()
        slot = 'periodic:%s' % self.period.start.isoformat()
        draft = self.draft('inv-1')
        stored, new = c.add_invoice(models.Invoice(draft, 'ACME', slot), NOW)
        self.assertTrue(new)
        self.assertEqual(draft, stored.document)
        # The same period generated again: the same invoice.
        again, new = c.add_invoice(
            models.Invoice(self.draft('inv-2'), 'ACME', slot), NOW)
        self.assertFalse(new)
        self.assertEqual('inv-1', again.id)
        finalize = functools.partial(self._finalize, 'ACME')
        done = c.finalize_invoice('inv-1', finalize, MATCH)
        self.assertEqual('ACME-000001', done.document['number'])
        self.assertTrue(invoices.verify(done.document))
        self.assertRaises(db_api.Conflict, c.finalize_invoice, 'inv-1',
                          finalize, MATCH)
        self.assertRaises(db_api.Conflict, c.discard_draft, 'inv-1')
        voided = c.void_invoice('inv-1', lambda d: invoices.void(
            d, 'wrong customer reference', NOW), MATCH)
        self.assertEqual('voided', voided.status)
        self.assertTrue(invoices.verify(voided.document))
        self.assertRaises(db_api.Conflict, c.void_invoice, 'inv-1',
                          lambda d: d, MATCH)
        # Its slot is free for the replacement, numbered next.
        replacement = invoices.build('inv-3', self.sub, self.rating(), {},
                                     NOW, replaces='inv-1')
        stored, new = c.add_invoice(models.Invoice(replacement, 'ACME',
                                                   slot), NOW)
        self.assertTrue(new)
        self.assertEqual('ACME-000002', c.finalize_invoice(
            'inv-3', finalize, MATCH).document['number'])
        # A discarded draft leaves no gap.
        c.add_invoice(models.Invoice(self.draft('inv-4'), 'ACME',
                                     'interim:x'), NOW)
        c.discard_draft('inv-4')
        self.assertRaises(db_api.NotFound, c.invoice, 'inv-4')
        c.add_invoice(models.Invoice(self.draft('inv-5'), 'ACME',
                                     'interim:y'), NOW)
        self.assertEqual('ACME-000003', c.finalize_invoice(
            'inv-5', finalize, MATCH).document['number'])
        self.assertEqual(['inv-1', 'inv-3', 'inv-5'], sorted(
            i.id for i in c.period_invoices('sub-1', self.period.start)))
        self.assertEqual(['inv-3', 'inv-5'], sorted(
            i.id for i in c.invoices(project_id='p1', status='finalized')))
        self.assertEqual(D(draft['total']), sum(
            (D(line['amount']) for line in c.invoice('inv-3').document[
                'lines']), D(0)))

    def sink(self, name, fmt='native', **filters_):
        return manager.put(self.connection, {
            'name': name, 'driver': 'file', 'url': 'file:///tmp/%s' % name,
            'format': fmt, 'filters': filters_})

    def backlogs(self, sinks):
        return {name: self.connection.sink_status(sink['id'])['backlog']
                for name, sink in sinks.items()}

    def claimed(self, sink):
        _token, entries = self.connection.claim_deliveries(
            sink['id'], 'test', 1000, datetime.timedelta(seconds=60),
            datetime.datetime.now(datetime.timezone.utc))
        found = self.connection.outbox_records(entries)
        return [found[(e['kind'], e['record_id'], e['revision'])]
                for e in entries]

    def check_billing_outbox(self):
        """Rated lines and invoice changes enter the outbox with them.

        Only sinks that ask for billing kinds get them: a sink without a
        kinds filter keeps getting usage and lifecycle records only,
        focus and lago sinks get what they render.
        """
        c = self.connection
        self.setup_billing()
        sinks = {'plain': self.sink('plain'),
                 'billing': self.sink('billing', kinds=['billing']),
                 'p2-rated': self.sink('p2-rated', kinds=['rated_usage'],
                                       projects=['p2']),
                 'focus': self.sink('focus', 'focus'),
                 'lago': self.sink('lago', 'lago')}
        lines = rated_lines(self.rating(), self.period.start)
        stored = c.store_rated('sub-1', self.period.start, lines, NOW, MATCH)
        n = len(stored)
        self.assertEqual({'plain': 0, 'billing': n, 'p2-rated': 0,
                          'focus': 0, 'lago': n}, self.backlogs(sinks))
        # Nothing changed, nothing new to send.
        c.store_rated('sub-1', self.period.start, lines, NOW, MATCH)
        self.assertEqual(n, self.backlogs(sinks)['lago'])
        slot = 'periodic:%s' % self.period.start.isoformat()
        c.add_invoice(models.Invoice(self.draft('inv-1'), 'ACME', slot), NOW)
        # A draft is not delivered.
        self.assertEqual(n, self.backlogs(sinks)['billing'])
        finalize = functools.partial(self._finalize, 'ACME')
        c.finalize_invoice('inv-1', finalize, MATCH)
        self.assertRaises(db_api.Conflict, c.finalize_invoice, 'inv-1',
                          finalize, MATCH)
        c.void_invoice('inv-1', lambda d: invoices.void(d, 'typo', NOW),
                       MATCH)
        self.assertEqual({'plain': 0, 'billing': n + 2, 'p2-rated': 0,
                          'focus': 2, 'lago': n}, self.backlogs(sinks))
        finalized, voided = self.claimed(sinks['focus'])
        self.assertEqual((models.INVOICE_FINALIZED, 'inv-1', 1, None),
                         (finalized.kind, finalized.id, finalized.revision,
                          finalized.replaces))
        # Delivered after the voiding, the finalization still reads as
        # it was: the same content, hash and number.
        self.assertEqual(('finalized', None, None, 'ACME-000001'), (
            finalized.document['status'], finalized.document['voided_at'],
            finalized.document['void_reason'], finalized.document['number']))
        self.assertTrue(invoices.verify(finalized.document))
        self.assertEqual(c.invoice('inv-1').document['lines'],
                         finalized.document['lines'])
        self.assertEqual((models.INVOICE_VOIDED, 2, 1, 'voided', 'p1'), (
            voided.kind, voided.revision, voided.replaces,
            voided.document['status'], voided.project_id))
        rated = self.claimed(sinks['lago'])
        self.assertEqual(sorted((r.id, r.revision) for r in stored),
                         sorted((r.id, r.revision) for r in rated))
        self.assertEqual({models.RATED_USAGE}, {r.kind for r in rated})

    @staticmethod
    def _finalize(issuer, document, sequence):
        return invoices.finalize(document, '%s-%06d' % (issuer, sequence),
                                 NOW)


class BillingStoreTest(Scenario, base.DBTestCase):

    def test_price_lists(self):
        self.check_price_lists()

    def test_plans_and_subscriptions(self):
        self.check_plans_and_subscriptions()

    def test_rated_lines_append_only(self):
        self.check_rated_lines_append_only()

    def test_invoice_life(self):
        self.check_invoice_life()

    def test_billing_outbox(self):
        self.check_billing_outbox()
