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
"""/v1/rating/rerate: rating usage again, on request.

Re-rating runs in the request, with the biller the engine uses
(billing/operations.py): the answer lists each period rated again and,
for an invoiced period, the correction its next invoice will carry.
"""

import pecan

from scs_metering.api.controllers.v1 import invoices
from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.billing import biller
from scs_metering.billing import operations


class RatingController:

    @pecan.expose(generic=True, template='json')
    def rerate(self):
        exception.method_not_allowed('POST')

    @rerate.when(method='POST', template='json')
    def rerate_post(self):
        request = pecan.request
        policy.authorize(request, 'rating:rerate')
        body = validation.body(request, schemas.RERATE)
        if 'subscription_id' in body and 'project_id' in body:
            raise exception.InvalidBody(reason='give subscription_id or '
                                        'project_id, not both')
        start, end = validation.time_range(body)
        with invoices.answers():
            found = operations.rerate(
                biller.Biller(request.conf, request.storage), start, end,
                body['reason'], subscription_id=body.get('subscription_id'),
                project_id=body.get('project_id'))
        return dict(found, reason=body['reason'])
