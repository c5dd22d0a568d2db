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
"""Admin > Metering > Service Health: whatever /v1/status says."""

from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from horizon import tables as horizon_tables
from horizon.utils import memoized

from scs_metering_dashboard.api import metering
from scs_metering_dashboard.dashboards.admin.metering_health import tables


class IndexView(horizon_tables.MultiTableView):
    table_classes = (tables.ServicesTable, tables.StalledTable,
                     tables.WindowsTable, tables.ReconciliationTable)
    template_name = 'admin/metering_health/index.html'
    page_title = _('Service Health')

    @memoized.memoized_method
    def status(self):
        try:
            return metering.status(metering.client(self.request))
        except metering.ERRORS as exc:
            messages.error(self.request, metering.error_text(exc))
            return None

    def _part(self, name):
        status = self.status()
        return status[name] if status else []

    def get_services_data(self):
        return self._part('services')

    def get_stalled_data(self):
        return self._part('stalled_meters')

    def get_windows_data(self):
        return self._part('windows')

    def get_reconciliation_data(self):
        return self._part('reconciliation')

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['status'] = self.status()
        return context
