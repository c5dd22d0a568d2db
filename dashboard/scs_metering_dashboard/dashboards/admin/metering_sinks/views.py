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
"""Admin > Metering > Sinks: where usage goes, and what it refused."""

from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from horizon import tables as horizon_tables
from horizon.utils import memoized

from scs_metering_dashboard.api import metering
from scs_metering_dashboard import calls
from scs_metering_dashboard.dashboards.admin.metering_sinks import tables


class IndexView(horizon_tables.DataTableView):
    table_class = tables.SinksTable
    template_name = 'admin/metering_sinks/index.html'
    page_title = _('Sinks')

    def get_data(self):
        found, self._more = calls.page(self.request, metering.sinks_page)
        return found

    def has_more_data(self, table):
        return self._more


class DetailView(horizon_tables.DataTableView):
    table_class = tables.DeadLettersTable
    template_name = 'admin/metering_sinks/detail.html'
    page_title = _('Sink {{ sink.name }}')

    @memoized.memoized_method
    def sink(self):
        try:
            return metering.sink(metering.client(self.request),
                                 self.kwargs['sink_id'])
        except metering.ERRORS as exc:
            messages.error(self.request, metering.error_text(exc))
            return None

    def get_data(self):
        if self.sink() is None:
            self._more = False
            return []
        found, self._more = calls.page(
            self.request, metering.dead_letters_page, self.kwargs['sink_id'])
        return found

    def has_more_data(self, table):
        return self._more

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['sink'] = self.sink()
        return context
