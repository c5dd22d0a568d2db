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
"""Price lists set what customers pay: administrators manage them.

System readers may read them, as they may read everything.
"""

from scs_metering.policies import base

_LIST = '/v1/price-lists/{price_list_id}'

rules = [
    base.rule('price_list:create', base.ADMIN,
              'Create a price list in a currency.', 'POST',
              '/v1/price-lists'),
    base.rule('price_list:list', base.ADMIN_OR_SYSTEM_READER,
              'List price lists.', 'GET', '/v1/price-lists'),
    base.rule('price_list:show', base.ADMIN_OR_SYSTEM_READER,
              'Show a price list, its versions and their prices.', 'GET',
              _LIST),
    base.rule('price_list:publish', base.ADMIN,
              'Publish a new version of a price list; back-dating it needs '
              'force and a reason.', 'POST', _LIST + '/versions'),
]


def list_rules():
    return rules
