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
"""An invoice as a printable HTML page.

One self-contained page (templates/invoice.html, styles inline, no
script, no external asset), so that it prints and archives as it is.
Every value from the invoice is escaped. Amounts are shown as the
invoice holds them, decimal strings in the currency's minor unit, never
reformatted through a float.
"""

import html
import os
import string

_TEMPLATE = os.path.join(os.path.dirname(__file__), 'templates',
                         'invoice.html')


def _template():
    with open(_TEMPLATE, encoding='utf-8') as f:
        return string.Template(f.read())


def _e(value):
    return html.escape('' if value is None else str(value))


def _fact(name, value):
    return '<dt>%s</dt><dd>%s</dd>' % (_e(name), value)


def _facts(document, issuer, numbers):
    scope = ('Project', document.get('project_id')) if document.get(
        'project_id') else ('Domain', document.get('domain_id'))
    facts = [
        _fact('Issuer', _e(issuer)),
        _fact('Customer reference', _e(document.get('customer_ref') or '-')),
        _fact('Subscription', _e(document['subscription_id'])),
        _fact(scope[0], _e(scope[1])),
        _fact('Kind', _e(document['kind'])),
        _fact('Billing period (UTC)', '%s &ndash; %s' % (
            _e(document['billing_period_start']),
            _e(document['billing_period_end']))),
        _fact('Covers (UTC)', '%s &ndash; %s' % (
            _e(document['covers_start']), _e(document['covers_end']))),
        _fact('Created', _e(document['created_at'])),
    ]
    if document.get('finalized_at'):
        facts.append(_fact('Finalized', _e(document['finalized_at'])))
    if document.get('replaces'):
        facts.append(_fact('Replaces invoice', _e(numbers.get(
            document['replaces']) or document['replaces'])))
    if document.get('voided_at'):
        facts.append(_fact('Voided', '%s: %s' % (
            _e(document['voided_at']), _e(document['void_reason']))))
    return '\n'.join(facts)


def _line(line, numbers):
    description = _e(line.get('description') or line['item'])
    css = ''
    if line.get('correction_of'):
        css = ' class="correction"'
        original = line['correction_of']
        description += '<br><span class="note">Correction of invoice %s, ' \
            'billing period from %s</span>' % (
                _e(numbers.get(original) or original),
                _e(line['billing_period_start']))
    unit_price = line.get('unit_price')
    return ('<tr%s><td>%s</td><td>%s &ndash; %s</td>'
            '<td class="number">%s</td><td>%s</td>'
            '<td class="number">%s</td><td class="number">%s</td></tr>' % (
                css, description, _e(line['charge_period_start']),
                _e(line['charge_period_end']),
                _e(line['pricing_quantity']), _e(line['pricing_unit']),
                _e(unit_price if unit_price is not None else '-'),
                _e(line['amount'])))


def _unrated(document):
    if not document.get('unrated'):
        return ''
    rows = ''.join('<tr><td>%s</td><td>%s</td><td class="number">%s</td>'
                   '<td class="number">%s</td></tr>' % (
                       _e(u['meter']), _e(u['reason']), _e(u['records']),
                       _e(u['quantity'])) for u in document['unrated'])
    return ('<h2>Usage not billed (no price matched)</h2><table><thead><tr>'
            '<th>Meter</th><th>Reason</th><th class="number">Records</th>'
            '<th class="number">Quantity</th></tr></thead><tbody>%s'
            '</tbody></table>' % rows)


def render(document, issuer, numbers):
    """The page of an invoice document.

    ``numbers`` maps the ids of the invoices it names (corrected,
    replaced) to their numbers, shown instead of the ids where known.
    """
    title = 'Invoice %s' % (document.get('number') or
                            '%s (draft, not numbered)' % document['id'])
    return _template().substitute(
        title=_e(title), status=_e(document['status']),
        facts=_facts(document, issuer, numbers),
        lines='\n'.join(_line(line, numbers)
                        for line in document['lines']),
        total=_e(document['total']), currency=_e(document['currency']),
        unrated=_unrated(document), rounding=_e(document['rounding']),
        content_hash=_e(document.get('content_hash') or
                        'none until finalized'))
