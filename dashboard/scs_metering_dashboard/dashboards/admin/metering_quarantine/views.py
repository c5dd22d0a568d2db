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
"""Admin > Metering > Quarantine: what could not become usage, and why."""

from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from horizon import tables as horizon_tables
from horizon.utils import memoized

from scs_metering_dashboard.api import metering
from scs_metering_dashboard import calls
from scs_metering_dashboard.dashboards.admin.metering_quarantine import (
    tables)


class IndexView(horizon_tables.DataTableView):
    table_class = tables.QuarantineTable
    template_name = 'admin/metering_quarantine/index.html'
    page_title = _('Quarantine')

    def get_data(self):
        service = self.get_server_filter_info(self.request)['value'] or None
        found, self._more = calls.page(self.request,
                                       metering.quarantine_page,
                                       service=service)
        return found

    def has_more_data(self, table):
        return self._more


class DetailView(horizon_tables.DataTableView):
    """One entry with its raw message; Retry is the index's action."""

    table_class = tables.EntryTable
    template_name = 'admin/metering_quarantine/detail.html'
    page_title = _('Quarantine entry {{ entry.id }}')

    @memoized.memoized_method
    def entry(self):
        try:
            return metering.quarantine_entry(metering.client(self.request),
                                             self.kwargs['entry_id'])
        except metering.ERRORS as exc:
            messages.error(self.request, metering.error_text(exc))
            return None

    def get_data(self):
        entry = self.entry()
        return [] if entry is None else [entry]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['entry'] = self.entry()
        return context
