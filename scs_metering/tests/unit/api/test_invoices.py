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
"""/v1/invoices and /v1/rating on invoices the real biller issued.

The usage is test_billing_engine's: servers living 150 minutes, each
2.5 hours at EUR 0.10 an hour, EUR 0.25. ``InvoiceScenario`` runs here
on SQLite and in the functional tests on PostgreSQL and MariaDB.
"""

import datetime
import decimal

import webtest

from scs_metering.api import app
from scs_metering.publisher.formats import focus
from scs_metering.tests import base
from scs_metering.tests.unit import test_billing_engine as engine

DAY = datetime.timedelta(days=1)
ADMIN = {'X-Project-Id': 'p-admin', 'X-Roles': 'admin,member,reader'}
READER = {'X-Project-Id': 'p1', 'X-Roles': 'reader'}
OTHER = {'X-Project-Id': 'p2', 'X-Roles': 'reader'}


class InvoiceScenario(engine.Scenario):
    """Needs ``self.connection``; serves the API with noauth."""

    def setup_api(self, **subscription):
        self.config('api', auth_strategy='noauth')
        self.setup_billing(**subscription)
        self.app = webtest.TestApp(app.build_wsgi_app(self.conf,
                                                      self.connection))

    def call(self, method, path, headers=ADMIN, status=200, **kwargs):
        response = self.app.request(path, method=method, headers=headers,
                                    expect_errors=True, **kwargs)
        self.assertEqual(status, response.status_int, response.text)
        return response

    def post(self, path, body=None, headers=ADMIN, status=200):
        kwargs = {} if body is None else {
            'body': webtest.utils.dumps(body).encode(),
            'content_type': 'application/json'}
        return self.call('POST', path, headers, status, **kwargs)

    def january(self):
        """January's finalized invoice, of two servers: EUR 0.50."""
        self.usage(engine.JAN + 14 * DAY, 2)
        self.store.close(engine.FEB + 2 * engine.HOUR)
        [invoice] = self.biller.run(now=engine.FEB + 2 * engine.HOUR)
        return invoice

    def error(self, response):
        return response.json['error']['message']


class InvoiceAPITest(InvoiceScenario, base.DBTestCase):

    def setUp(self):
        super().setUp()
        self.setup_api(customer_ref='<b>ACME & Co</b>')

    def test_list_by_project_status_and_period(self):
        january = self.january()
        listed = self.call('GET', '/v1/invoices?all_projects=true').json
        self.assertEqual([january.id], [i['id'] for i in listed['invoices']])
        summary = listed['invoices'][0]
        self.assertNotIn('lines', summary)
        self.assertEqual(('0.50', 'finalized', 'scs-metering-000001', 'p1'),
                         (summary['total'], summary['status'],
                          summary['number'], summary['project_id']))
        # A reader sees their own project's, and only those.
        self.assertEqual(1, len(self.call(
            'GET', '/v1/invoices', READER).json['invoices']))
        self.assertEqual([], self.call(
            'GET', '/v1/invoices', OTHER).json['invoices'])
        self.call('GET', '/v1/invoices?project_id=p1', OTHER, 403)
        self.call('GET', '/v1/invoices?all_projects=true', READER, 403)
        for query, count in (('status=draft', 0), ('status=finalized', 1),
                             ('start=2024-02-01T00:00:00Z', 0),
                             ('start=2024-01-15T00:00:00Z&'
                              'end=2024-01-16T00:00:00Z', 1),
                             ('end=2024-01-01T00:00:00Z', 0),
                             ('subscription_id=sub-1', 1),
                             ('subscription_id=other', 0)):
            self.assertEqual(count, len(self.call(
                'GET', '/v1/invoices?all_projects=true&' + query).json[
                    'invoices']), query)
        self.assertIn('status', self.error(self.call(
            'GET', '/v1/invoices?status=paid', status=400)))
        self.assertIn('marker', self.error(self.call(
            'GET', '/v1/invoices?marker=nope', READER, 400)))

    def test_pages(self):
        self.january()
        self.store.close(engine.MAR + 2 * engine.HOUR)
        self.biller.run(now=engine.MAR + 2 * engine.HOUR)
        first = self.call('GET', '/v1/invoices?limit=1', READER).json
        [feb] = first['invoices']
        self.assertEqual('2024-02-01T00:00:00Z', feb['billing_period_start'])
        [next_link] = first['links']
        second = self.call('GET', next_link['href'], READER).json
        self.assertEqual(['2024-01-01T00:00:00Z'], [
            i['billing_period_start'] for i in second['invoices']])
        self.assertEqual([], second['links'])

    def test_show_json(self):
        january = self.january()
        shown = self.call('GET', '/v1/invoices/' + january.id, READER).json
        self.assertEqual(january.document, {
            k: v for k, v in shown.items() if k not in ('links', 'issuer')})
        self.assertEqual('scs-metering', shown['issuer'])
        self.call('GET', '/v1/invoices/' + january.id, OTHER, 403)
        self.assertEqual('No invoice has id nope.', self.error(self.call(
            'GET', '/v1/invoices/nope', status=404)))

    def test_show_focus_csv(self):
        january = self.january()
        expected = focus.to_csv(focus.invoice_rows(january.document,
                                                   'scs-metering'))
        for kwargs in ({'headers': dict(READER, Accept='text/csv')},
                       {'headers': READER, 'params': {'format': 'focus'}}):
            response = self.app.get('/v1/invoices/' + january.id, **kwargs)
            self.assertEqual('text/csv', response.content_type)
            self.assertEqual(expected, response.text)
            self.assertIn('scs-metering-000001.csv',
                          response.headers['Content-Disposition'])
        rows = focus.invoice_rows(january.document, 'scs-metering')
        self.assertEqual(decimal.Decimal('0.50'), sum(
            (decimal.Decimal(r['BilledCost']) for r in rows),
            decimal.Decimal(0)))
        # JSON unless asked otherwise, as keystoneauth and browsers do.
        for accept in ('application/json', '*/*', 'text/*;q=0.5, */*'):
            response = self.app.get('/v1/invoices/' + january.id,
                                    headers=dict(READER, Accept=accept))
            self.assertEqual('application/json', response.content_type)
        self.call('GET', '/v1/invoices/' + january.id,
                  dict(READER, Accept='image/png'), 406)
        self.assertIn('format', self.error(self.call(
            'GET', '/v1/invoices/%s?format=pdf' % january.id, status=400)))

    def test_show_html(self):
        january = self.january()
        page = self.app.get('/v1/invoices/%s?format=html' % january.id,
                            headers=READER)
        self.assertEqual('text/html', page.content_type)
        text = page.text
        self.assertIn('<title>Invoice scs-metering-000001</title>', text)
        self.assertIn('0.50 EUR', text)
        self.assertIn('Small servers', text)
        # Escaped, never markup; no external asset.
        self.assertIn('&lt;b&gt;ACME &amp; Co&lt;/b&gt;', text)
        self.assertNotIn('<b>ACME', text)
        for external in ('src=', 'href="http', '@import', '<script'):
            self.assertNotIn(external, text)
        self.assertEqual('text/html', self.app.get(
            '/v1/invoices/' + january.id,
            headers=dict(READER, Accept='text/html')).content_type)

    def test_finalized_invoice_is_never_changed(self):
        january = self.january()
        message = self.error(self.post(
            '/v1/invoices/%s/finalize' % january.id, status=409))
        self.assertEqual('invoice %s is finalized, not draft: a finalized '
                         'invoice is never changed' % january.id, message)
        self.call('PUT', '/v1/invoices/' + january.id, status=405)
        self.call('DELETE', '/v1/invoices/' + january.id, status=405)
        self.assertEqual(january.document,
                         self.connection.invoice(january.id).document)

    def test_interim_finalize(self):
        self.usage(engine.FEB + 3 * DAY, 2)
        self.store.close(engine.FEB + 10 * DAY)
        self.biller.run(now=engine.FEB + 10 * DAY)
        self.post('/v1/invoices/interim', {'project_id': 'p1'}, READER, 403)
        created = self.post('/v1/invoices/interim', {'project_id': 'p1'},
                            status=201)
        interim = created.json
        self.assertEqual(('draft', 'interim', '0.50', None), (
            interim['status'], interim['kind'], interim['total'],
            interim['number']))
        self.assertTrue(created.location.endswith(
            '/v1/invoices/' + interim['id']))
        # Asked again for the same closed window: the same invoice.
        self.assertEqual(interim['id'], self.post(
            '/v1/invoices/interim', {'subscription_id': 'sub-1'}).json['id'])
        self.post('/v1/invoices/%s/finalize' % interim['id'], None,
                  READER, 403)
        finalized = self.post('/v1/invoices/%s/finalize' % interim['id'])
        self.assertEqual(('finalized', 'scs-metering-000002'), (
            finalized.json['status'], finalized.json['number']))
        self.assertEqual(finalized.json, self.post(
            '/v1/invoices/interim', {'project_id': 'p1'}).json)

    def test_interim_refusals(self):
        self.assertIn('no usage window of subscription sub-1 is closed',
                      self.error(self.post('/v1/invoices/interim', {
                          'subscription_id': 'sub-1'}, status=409)))
        self.post('/v1/invoices/interim', {'subscription_id': 'nope'},
                  status=404)
        self.post('/v1/invoices/interim', {'project_id': 'p9'}, status=404)
        for body in ({}, {'project_id': 'p1', 'subscription_id': 'sub-1'},
                     {'period': 'x'}):
            self.post('/v1/invoices/interim', body, status=400)
        self.call('GET', '/v1/invoices/interim', status=405)

    def test_void_issues_a_replacement_draft(self):
        january = self.january()
        path = '/v1/invoices/%s/void' % january.id
        self.post(path, {'reason': 'wrong'}, READER, 403)
        self.assertIn('reason is required', self.error(self.post(
            path, {}, status=400)))
        self.post(path, {'reason': '   '}, status=400)
        voided = self.post(path, {'reason': 'price list was wrong'}).json
        self.assertEqual(('voided', 'price list was wrong'),
                         (voided['status'], voided['void_reason']))
        replacement = self.call('GET', '/v1/invoices/' + voided[
            'replaced_by']).json
        self.assertEqual(('draft', 'periodic', january.id, '0.50'), (
            replacement['status'], replacement['kind'],
            replacement['replaces'], replacement['total']))
        self.assertEqual(january.document['lines'], replacement['lines'])
        self.assertEqual(['replacement'], [
            link['rel'] for link in voided['links'][1:]])
        # Voided once; the replacement draft cannot be voided.
        self.post(path, {'reason': 'again'}, status=409)
        self.post('/v1/invoices/%s/void' % replacement['id'],
                  {'reason': 'draft'}, status=409)
        # The engine's next run leaves the replacement a draft for review.
        self.assertEqual([], self.biller.run(now=engine.FEB + 5 * DAY))
        numbered = self.post('/v1/invoices/%s/finalize' % replacement['id'])
        self.assertEqual('scs-metering-000002', numbered.json['number'])

    def test_void_only_the_last_invoice_of_a_period(self):
        self.usage(engine.FEB + 3 * DAY, 2)
        self.store.close(engine.FEB + 10 * DAY)
        interim, _new = self.biller.interim('sub-1',
                                            now=engine.FEB + 10 * DAY)
        self.biller.finalize(interim.id)
        self.usage(engine.FEB + 12 * DAY, 1, prefix='later')
        self.store.close(engine.MAR + 2 * engine.HOUR)
        final = [i for i in self.biller.run(now=engine.MAR + 2 * engine.HOUR)
                 if i.document['kind'] == 'periodic' and
                 i.document['billing_period_start'].startswith('2024-02')][0]
        self.assertIn('void the later invoice %s first' % final.id,
                      self.error(self.post(
                          '/v1/invoices/%s/void' % interim.id,
                          {'reason': 'x'}, status=409)))
        first = self.post('/v1/invoices/%s/void' % final.id,
                          {'reason': 'x'}).json['replaced_by']
        # The later draft, unnumbered, goes; the engine issues the
        # period's invoice again after the interim's replacement.
        replacement = self.post('/v1/invoices/%s/void' % interim.id,
                                {'reason': 'x'}).json['replaced_by']
        self.call('GET', '/v1/invoices/' + first, status=404)
        document = self.connection.invoice(replacement).document
        self.assertEqual(('interim', '0.50', interim.document['covers_end']),
                         (document['kind'], document['total'],
                          document['covers_end']))
        [again] = self.biller.run(now=engine.MAR + 3 * engine.HOUR)
        self.assertEqual(('periodic', '0.25', document['covers_end']), (
            again.document['kind'], again.document['total'],
            again.document['covers_start']))

    def test_rerate_corrects_on_the_next_invoice(self):
        # Only on request: the engine re-rates no invoiced period itself.
        self.config('billing', correction_periods=0)
        january = self.january()
        self.usage(engine.JAN + 19 * DAY, 1, prefix='late')
        self.store.close(engine.MAR + 2 * engine.HOUR)
        body = {'start': '2024-01-01T00:00:00Z',
                'end': '2024-02-01T00:00:00Z', 'project_id': 'p1',
                'reason': 'late server of 20 January'}
        self.post('/v1/rating/rerate', body, READER, 403)
        self.post('/v1/rating/rerate', dict(body, reason=''), status=400)
        self.post('/v1/rating/rerate', {'start': body['start'],
                                        'end': body['end']}, status=400)
        found = self.post('/v1/rating/rerate', body).json
        self.assertEqual([{
            'subscription_id': 'sub-1', 'period_start': body['start'],
            'period_end': body['end'], 'rated_until': body['end'],
            'changed': 4, 'invoice_id': january.id,
            'correction_total': '0.25'}], found['rerated'])
        self.assertEqual(january.document,
                         self.connection.invoice(january.id).document)
        [february] = self.biller.run(now=engine.MAR + 2 * engine.HOUR)
        self.assertEqual([('Correction', january.id, '0.25')], [
            (line['charge_class'], line['correction_of'], line['amount'])
            for line in february.document['lines']])
        # Carried once.
        self.assertEqual([], self.biller.run(now=engine.MAR + 3 * DAY))
        page = self.app.get('/v1/invoices/%s?format=html' % february.id,
                            headers=READER).text
        self.assertIn('Correction of invoice scs-metering-000001', page)
