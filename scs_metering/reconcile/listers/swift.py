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
"""Object storage usage, polled per project as gauge samples.

No notification carries how many bytes an account holds, so the poller
asks: every project from Keystone, then HEAD of its Swift account, whose
X-Account-Bytes-Used becomes one sample of the swift_account gauge.
"""

import decimal

from scs_metering.common import timeutils
from scs_metering.definitions import model
from scs_metering import events as ev
from scs_metering.reconcile import client
from scs_metering.reconcile.listers import base

RESOURCE_TYPE = 'swift_account'
BYTES_USED = 'X-Account-Bytes-Used'


class AccountPoller(base.Poller):
    resource_type = RESOURCE_TYPE

    def __init__(self, conf, definitions):
        super().__init__(conf, definitions)
        self.reseller_prefix = conf.reconciliation.reseller_prefix
        self.page_size = conf.reconciliation.page_size
        gauges = [m.name for m in definitions.meters_for(RESOURCE_TYPE)
                  if m.kind == model.GAUGE]
        self.meter = gauges[0] if len(gauges) == 1 else None
        self._gauges = gauges

    def poll(self, cloud, ingestor, clock, report):
        if self.meter is None:
            raise client.ListingError(
                'swift_account: expected one gauge meter in the '
                'definitions, found %s' % (self._gauges or 'none'))
        storage = cloud.endpoint('object-store')
        base_url = storage[:storage.rfind('/v1/')] + '/v1/'
        for page in base.project_pages(cloud, self.page_size):
            batch = []
            for project_id in page:
                report.listed += 1
                used = self._bytes_used(
                    cloud, base_url + self.reseller_prefix + project_id)
                if used is None:
                    report.matched += 1  # no account: nothing stored
                    continue
                batch.append(self._sample(project_id, used, clock()))
            if batch:
                ingestor.store(batch)
                report.matched += len(batch)

    def _bytes_used(self, cloud, url):
        response = cloud.request('object-store', 'HEAD', url,
                                 raise_exc=False)
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise client.ListingError('object-store HEAD %s: HTTP %d' % (
                url, response.status_code))
        value = response.headers.get(BYTES_USED, '')
        if not value.isdigit():
            raise client.ListingError('object-store HEAD %s: %s is %r' % (
                url, BYTES_USED, value))
        return decimal.Decimal(value)

    def _sample(self, project_id, used, when):
        return ev.Event(
            id=ev.stable_id('reconciliation', RESOURCE_TYPE, project_id,
                            self.meter, timeutils.isoformat(when)),
            resource_type=RESOURCE_TYPE, resource_id=project_id,
            action=ev.SAMPLE, time=when, project_id=project_id,
            meter=self.meter, volume=used, provenance=ev.RECONCILIATION,
            time_min=when, time_max=when,
            event_type='reconciliation.sample')
