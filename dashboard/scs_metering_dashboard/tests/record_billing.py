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
"""Record the real billing API's answers, for the billing panels.

Runs the stack (stack.py) as record.py does, publishes a price list and a
plan, subscribes project alpha from 1 November 2026, rates the stack's
closed windows (a re-rate through the API, with the engine's biller),
issues and finalizes an interim invoice of alpha, then makes the billing
calls as each test identity and writes every HTTP exchange to
recorded/billing-<identity>.json, in record.py's format. Run it again when
the billing API changes::

    tox -e dashboard-record
"""

import json
import os

from scsmeteringclient import exceptions

from scs_metering_dashboard.tests import record
from scs_metering_dashboard.tests import recording
from scs_metering_dashboard.tests import stack as stack_mod

IDENTITIES = ('admin', 'alpha-member', 'alpha-reader', 'gamma-member')
NOVEMBER = ('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')
PRICES = [
    {'id': 'server', 'meter': 'instance', 'unit': 'hour',
     'group_by': ['flavor_name'], 'model': 'per_unit',
     'unit_price': '0.0125', 'description': 'Servers'},
    {'id': 'volume', 'meter': 'volume.size', 'unit': 'GiB*hour',
     'model': 'graduated', 'description': 'Block storage',
     'tiers': [{'from': '0', 'to': '1000', 'unit_price': '0.0002'},
               {'from': '1000', 'to': None, 'unit_price': '0.00015'}]},
    {'id': 'support', 'model': 'flat', 'amount': '20.00',
     'description': 'Support'},
]


def catalog(stack):
    """The catalog of the recordings, and alpha's rated November."""
    api = stack.client()
    api.price_lists.create('public', 'EUR', 'Public prices')
    api.price_lists.publish('public', '2026-10-01T00:00:00Z', PRICES,
                            force=True, reason='recorded for the dashboard')
    api.plans.create('standard', 'public', fees=[
        {'id': 'base', 'amount': '10.00', 'description': 'Platform fee'}])
    api.subscriptions.create(
        [('standard', NOVEMBER[0])],
        project_id=stack.keystone.project_ids['alpha'],
        subscription_id='sub-alpha', customer_ref='CRM-0042',
        timezone='Europe/Berlin')
    # Rated as the engine's worker rates: through the biller, here on
    # request (the worker would also do it within [billing] interval).
    api.rating.rerate(NOVEMBER[0], NOVEMBER[1], 'recorded for the dashboard',
                      subscription_id='sub-alpha')
    # Alpha's interim invoice up to the closed windows, finalized, as an
    # operator issues it: what an invoices panel lists, shows, downloads.
    draft = api.invoices.interim(subscription_id='sub-alpha')
    api.invoices.finalize(draft['id'])


def record_identity(stack, identity):
    recorder = record.Recorder()
    api = recorder.client(stack, identity)
    calls = [
        lambda: api.price_lists.list(),
        lambda: api.price_lists.get('public'),
        lambda: api.price_lists.versions('public'),
        lambda: api.plans.list(),
        lambda: api.plans.get('standard'),
        lambda: api.subscriptions.list(),
        lambda: api.subscriptions.get('sub-alpha'),
        lambda: api.rating.rated_usage(start=NOVEMBER[0], end=NOVEMBER[1]),
        lambda: api.rating.rated_usage(start=NOVEMBER[0], end=NOVEMBER[1],
                                       group_by=['price', 'resource_id']),
        lambda: api.rating.quote('standard', [
            {'meter': 'instance', 'quantity': '36000',
             'attributes': {'flavor_name': 'm1.small'}}],
            start=NOVEMBER[0]),
    ]
    if identity == 'admin':
        calls.append(lambda: api.subscriptions.list(all_projects=True))
        calls.append(lambda: api.invoices.list(all_projects=True))
    for call in calls:
        try:
            call()
        except exceptions.ClientException:
            pass
    record_invoices(api)
    return recorder.exchanges


def record_invoices(api):
    """The caller's invoices, each shown and downloaded (FOCUS, HTML)."""
    try:
        listed = api.invoices.list()
    except exceptions.ClientException:
        return
    for invoice in listed:
        api.invoices.get(invoice['id'])
        for fmt in ('focus', 'html'):
            api.invoices.download(invoice['id'], fmt)


def main():
    stack = stack_mod.Stack()
    try:
        stack.start()
        catalog(stack)
        os.makedirs(recording.RECORDED, exist_ok=True)
        for identity in IDENTITIES:
            exchanges = record_identity(stack, identity)
            path = os.path.join(recording.RECORDED,
                                'billing-%s.json' % identity)
            with open(path, 'w') as f:
                json.dump(exchanges, f, indent=1, sort_keys=True)
                f.write('\n')
            print('%s: %d billing exchanges' % (identity, len(exchanges)))
    finally:
        stack.stop()


if __name__ == '__main__':
    main()
