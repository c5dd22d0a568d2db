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
"""/v1/invoices: invoices, as JSON, FOCUS CSV or a printable page.

The biller (scs_metering.billing) issues, finalizes and voids them here
exactly as the engine's worker does; storage keeps a finalized invoice
unchanged, so changing one answers 409. A project's readers see their
own project's invoices.
"""

import contextlib

import pecan
import webob

from scs_metering.api.controllers.v1 import usage
from scs_metering.api import exception
from scs_metering.api import invoice_page
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.billing import biller
from scs_metering.billing import operations
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.publisher.formats import focus
from scs_metering.rating import errors

# Media types of an invoice, the first being the default.
MEDIA_TYPES = {'application/json': 'json', 'text/csv': 'focus',
               'text/html': 'html'}
# Invoice fields a list shows; the lines are for show.
SUMMARY = ('id', 'number', 'kind', 'status', 'subscription_id',
           'project_id', 'domain_id', 'customer_ref', 'currency', 'total',
           'billing_period_start', 'billing_period_end', 'covers_start',
           'covers_end', 'created_at', 'finalized_at', 'voided_at',
           'replaces')


@contextlib.contextmanager
def answers():
    """Storage's and the biller's refusals as the API's errors."""
    try:
        yield
    except db_api.NotFound as exc:
        raise exception.NotFound(str(exc).capitalize() + '.')
    except (db_api.Conflict, errors.BillingError) as exc:
        # A finalized invoice, usage not closed yet, a domain subscription:
        # the request is right but the state does not allow it.
        raise exception.Conflict(reason=str(exc))


def link(request, invoice_id, rel='self'):
    return {'rel': rel, 'href': '%s/v1/invoices/%s' % (
        request.application_url, invoice_id)}


def view(request, invoice, summary=False):
    document = invoice.document
    if summary:
        document = {name: document.get(name) for name in SUMMARY}
    return dict(document, issuer=invoice.issuer,
                links=[link(request, invoice.id)])


def _format(request, values):
    if 'format' in values:
        return values['format']
    # pecan has refused with 406 an Accept that names none of them.
    offers = request.accept.acceptable_offers(list(MEDIA_TYPES))
    return MEDIA_TYPES[offers[0][0]] if offers else 'json'


def _authorize(request, rule, invoice):
    policy.authorize(request, rule, {
        'project_id': invoice.document.get('project_id')})


class InvoiceController:

    def __init__(self, invoice_id):
        self.invoice_id = invoice_id

    def _invoice(self, rule):
        request = pecan.request
        with answers():
            invoice = request.storage.invoice(self.invoice_id)
        _authorize(request, rule, invoice)
        return request, invoice

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    # JSON by default; the other media types answer a Response of their
    # own, which pecan passes on as it is.
    @index.when(method='GET', template='json')
    @pecan.expose(content_type='text/csv')
    @pecan.expose(content_type='text/html')
    def index_get(self):
        request, invoice = self._invoice('invoice:show')
        wanted = _format(request, validation.query(request,
                                                   schemas.INVOICE_QUERY))
        document = invoice.document
        name = document.get('number') or document['id']
        if wanted == 'focus':
            response = webob.Response(content_type='text/csv',
                                      charset='utf-8')
            response.content_disposition = (
                'attachment; filename="%s.csv"' % name)
            response.text = focus.to_csv(focus.invoice_rows(
                document, invoice.issuer))
            return response
        if wanted == 'html':
            response = webob.Response(content_type='text/html',
                                      charset='utf-8')
            response.text = invoice_page.render(
                document, invoice.issuer, self._numbers(request, document))
            return response
        return view(request, invoice)

    @staticmethod
    def _numbers(request, document):
        """Numbers of the invoices this one names, where they are found."""
        named = {line['correction_of'] for line in document['lines']
                 if line.get('correction_of')}
        if document.get('replaces'):
            named.add(document['replaces'])
        numbers = {}
        for invoice_id in named:
            with contextlib.suppress(db_api.NotFound):
                numbers[invoice_id] = request.storage.invoice(
                    invoice_id).document.get('number')
        return numbers

    @pecan.expose(generic=True, template='json')
    def finalize(self):
        exception.method_not_allowed('POST')

    @finalize.when(method='POST', template='json')
    def finalize_post(self):
        request, invoice = self._invoice('invoice:finalize')
        with answers():
            finalized = biller.Biller(request.conf, request.storage).finalize(
                invoice.id)
        return view(request, finalized)

    @pecan.expose(generic=True, template='json')
    def void(self):
        exception.method_not_allowed('POST')

    @void.when(method='POST', template='json')
    def void_post(self):
        request, invoice = self._invoice('invoice:void')
        body = validation.body(request, schemas.INVOICE_VOID)
        with answers():
            voided, replacement = operations.void(
                biller.Biller(request.conf, request.storage), invoice.id,
                body['reason'])
        document = view(request, voided)
        document['replaced_by'] = replacement.id
        document['links'].append(link(request, replacement.id,
                                      'replacement'))
        return document


class InvoicesController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        values = validation.query(request, schemas.INVOICES_QUERY)
        project_id = usage.scope(request, values, 'invoice:list')
        start, end = validation.time_range(values)
        limit = validation.limit(request, values)
        try:
            found = request.storage.invoices(
                subscription_id=values.get('subscription_id'),
                project_id=project_id, status=values.get('status'),
                start=start, end=end, limit=limit + 1,
                marker=values.get('marker'))
        except db_api.NotFound:
            raise exception.InvalidParameter(
                name='marker', reason='no invoice has this id')
        return validation.page(
            request, 'invoices', [view(request, i, summary=True)
                                  for i in found],
            limit, lambda i: i['id'])

    @pecan.expose(generic=True, template='json')
    def interim(self):
        exception.method_not_allowed('POST')

    @interim.when(method='POST', template='json')
    def interim_post(self):
        request = pecan.request
        body = validation.body(request, schemas.INVOICE_INTERIM)
        if 'project_id' in body:
            # Before the look-up, which would tell about the project.
            policy.authorize(request, 'invoice:interim', body)
        with answers():
            subscription = self._subscription(request, body)
        policy.authorize(request, 'invoice:interim',
                         {'project_id': subscription.project_id})
        with answers():
            invoice, new = biller.Biller(
                request.conf, request.storage).interim(subscription.id)
        document = view(request, invoice)
        # Asked again for the same closed window: the same invoice.
        pecan.response.status = 201 if new else 200
        pecan.response.location = document['links'][0]['href']
        return document

    @staticmethod
    def _subscription(request, body):
        if 'subscription_id' in body:
            return request.storage.subscription(body['subscription_id'])
        now = timeutils.utcnow()
        found = [s for s in request.storage.subscriptions(
            project_id=body['project_id'])
            if s.ended_at is None or s.ended_at > now]
        if not found:
            raise exception.NotFound(kind='A subscription of project',
                                     id=body['project_id'])
        if len(found) > 1:
            raise exception.Conflict(reason=(
                'project %s has %d subscriptions: name one with '
                'subscription_id' % (body['project_id'], len(found))))
        return found[0]

    @pecan.expose()
    def _lookup(self, invoice_id, *remainder):
        return InvoiceController(invoice_id), remainder
