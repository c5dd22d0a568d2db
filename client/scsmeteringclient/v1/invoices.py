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
"""Invoices: list, show, download, interim, finalize, void."""

from scsmeteringclient.v1 import base

# What download() asks for, by format.
MEDIA_TYPES = {'focus': 'text/csv', 'html': 'text/html',
               'json': 'application/json'}


class InvoiceManager(base.Manager):

    def list(self, project_id=None, all_projects=False, subscription_id=None,
             status=None, start=None, end=None, limit=None, marker=None):
        """Invoices without lines, newest billing period first.

        ``start`` and ``end`` keep those whose billing period overlaps
        them; without ``project_id``, the caller's project's.
        """
        return self._list('/invoices', 'invoices', {
            'project_id': project_id,
            'all_projects': 'true' if all_projects else None,
            'subscription_id': subscription_id, 'status': status,
            'start': base.time(start), 'end': base.time(end)}, limit, marker)

    def get(self, invoice_id):
        """The invoice with its lines."""
        return self.http.request('GET', '/invoices/%s' % base.quote(
            invoice_id))

    def download(self, invoice_id, fmt='focus'):
        """The invoice as text: FOCUS CSV (focus), HTML page or JSON."""
        return self.http.send('GET', '/invoices/%s' % base.quote(
            invoice_id), MEDIA_TYPES[fmt]).text

    def interim(self, subscription_id=None, project_id=None):
        """A draft interim invoice up to the last closed usage window."""
        body = {k: v for k, v in (('subscription_id', subscription_id),
                                  ('project_id', project_id)) if v}
        return self.http.request('POST', '/invoices/interim', json=body)

    def finalize(self, invoice_id):
        return self.http.request('POST', '/invoices/%s/finalize' %
                                 base.quote(invoice_id))

    def void(self, invoice_id, reason):
        """Void; the answer names the replacement draft (replaced_by)."""
        return self.http.request('POST', '/invoices/%s/void' % base.quote(
            invoice_id), json={'reason': reason})
