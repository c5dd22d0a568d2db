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
"""The worked example of doc/source/admin/billing.rst, as test data.

One subscription, February 2024 in Europe/Berlin (a leap month of 29
days), starting mid-period on 11 February, with every pricing model,
free units, a minimum charge, two recurring fees and one record no
price matches. The figures are worked out by hand in test_golden.py.
"""

import datetime

from scs_metering.rating import lines
from scs_metering.rating import plans
from scs_metering.rating import pricelist

GIB = 2 ** 30

PRICE_LIST_VERSION = {
    'effective_from': '2024-01-01T00:00:00Z',
    'description': 'Public prices 2024',
    'prices': [
        {'id': 'server-small', 'meter': 'instance', 'unit': 'hour',
         'match': {'flavor_name': 'm1.small'}, 'group_by': ['flavor_name'],
         'model': 'per_unit', 'unit_price': '0.0125',
         'description': 'Small servers'},
        {'id': 'server-large', 'meter': 'instance', 'unit': 'hour',
         'match': {'flavor_name': 'm1.large'}, 'model': 'graduated',
         'tiers': [{'from': '0', 'to': '100', 'unit_price': '0.10'},
                   {'from': '100', 'to': None, 'unit_price': '0.08'}],
         'description': 'Large servers'},
        {'id': 'volume', 'meter': 'volume.size', 'unit': 'GiB*hour',
         'model': 'volume', 'minimum_charge': '15.00',
         'tiers': [{'from': '0', 'to': '100', 'unit_price': '0.001'},
                   {'from': '100', 'to': None, 'unit_price': '0.0008'}],
         'description': 'Block storage'},
        {'id': 'egress', 'meter': 'bandwidth', 'unit': 'GiB',
         'model': 'package', 'package_size': '100', 'package_price': '5.00',
         'free_units': '10', 'description': 'Outbound traffic'},
        {'id': 'support', 'model': 'flat', 'amount': '20.00',
         'description': 'Support'},
    ],
}

PLAN = {
    'id': 'standard', 'price_list': 'public',
    'fees': [{'id': 'base', 'amount': '10.00',
              'description': 'Platform fee'}],
    'allowances': [{'price': 'server-small', 'free_units': '24'}],
}

SUBSCRIPTION = {
    'id': 'sub-1', 'project_id': 'p1', 'customer_ref': 'CRM-0042',
    'anchor_day': 1, 'timezone': 'Europe/Berlin',
    'plans': [{'plan': 'standard', 'from': '2024-02-10T23:00:00Z'}],
}


def day(number):
    return datetime.datetime(2024, 2, number, tzinfo=datetime.timezone.utc)


def usage(name, meter, unit, quantity, first_day, attributes, resource):
    return lines.Usage(
        id=name, meter=meter, unit=unit, quantity=quantity,
        window_start=day(first_day), window_end=day(first_day + 1),
        attributes=attributes, resource_id=resource, project_id='p1')


def records():
    small, large = {'flavor_name': 'm1.small'}, {'flavor_name': 'm1.large'}
    return [
        usage('r01', 'instance', 's', 86400, 11, small, 'vm-a'),
        usage('r02', 'instance', 's', 43200, 12, small, 'vm-a'),
        usage('r03', 'instance', 's', 86400, 11, large, 'vm-b'),
        usage('r04', 'instance', 's', 86400, 12, large, 'vm-b'),
        usage('r05', 'instance', 's', 86400, 13, large, 'vm-b'),
        usage('r06', 'instance', 's', 86400, 14, large, 'vm-b'),
        usage('r07', 'instance', 's', 54000, 15, large, 'vm-b'),
        usage('r08', 'volume.size', 'GiB*s', 10 * 86400, 11,
              {'volume_type': 'ssd'}, 'vol-1'),
        usage('r09', 'bandwidth', 'B', 150 * GIB, 12, {}, 'port-1'),
        usage('r10', 'instance', 's', 3600, 13,
              {'flavor_name': 'm1.xlarge'}, 'vm-c'),
    ]


def price_lists(*extra_versions):
    versions = [pricelist.parse_version(PRICE_LIST_VERSION, number=1)]
    versions += [pricelist.parse_version(doc, number=index + 2)
                 for index, doc in enumerate(extra_versions)]
    return {'public': pricelist.PriceList('public', 'EUR', tuple(versions))}


def plan_map():
    return {'standard': plans.parse_plan(PLAN)}


def subscription():
    return plans.parse_subscription(SUBSCRIPTION)
