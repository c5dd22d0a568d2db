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
"""Project > Metering > Usage: a chart, a table by group, and CSV."""

import csv
import datetime
import urllib.parse

from django.contrib import messages
from django import http
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import tables as horizon_tables
from horizon.utils import functions
from horizon.utils import memoized

from scs_metering_dashboard.api import metering
from scs_metering_dashboard import chart
from scs_metering_dashboard.dashboards.project.metering_usage import forms
from scs_metering_dashboard.dashboards.project.metering_usage import tables
from scs_metering_dashboard import meters


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def period_form(request):
    """The period asked for, this UTC month by day when none is."""
    if 'start' in request.GET or 'end' in request.GET:
        return forms.PeriodForm(request.GET)
    start, end = forms.this_month(today())
    return forms.PeriodForm({'start': start.isoformat(),
                             'end': end.isoformat(), 'step': forms.DAY})


class IndexView(horizon_tables.MultiTableView):
    table_classes = (tables.UsageTable, tables.PeriodsTable)
    template_name = 'project/metering_usage/index.html'
    page_title = _('Usage')

    @memoized.memoized_method
    def form(self):
        return period_form(self.request)

    @memoized.memoized_method
    def load(self):
        """What the API says of the period; None if it could not say."""
        form = self.form()
        if not form.is_valid():
            return None
        start, end = form.period()
        api = metering.client(self.request)
        group_by = meters.group_by()
        try:
            return {
                'report': metering.usage(api, start, end, group_by),
                'series': metering.usage_series(api, form.buckets(),
                                                group_by),
                'periods': metering.resources_page(
                    api, start, end, functions.get_page_size(self.request),
                    self.request.GET.get('marker')),
            }
        except metering.ERRORS as exc:
            messages.error(self.request, metering.error_text(exc))
            return None

    def get_usage_data(self):
        loaded = self.load()
        return tables.usage_rows(loaded['report']) if loaded else []

    def get_periods_data(self):
        loaded = self.load()
        if not loaded:
            return []
        resources, _more = loaded['periods']
        if resources:
            last = resources[-1]
            self.get_tables()['periods'].next_query = '%s&marker=%s' % (
                self.form().query(), urllib.parse.quote(
                    '%s:%s' % (last['resource_type'], last['resource_id']),
                    safe=''))
        return tables.period_rows(resources)

    def has_more_data(self, table):
        loaded = self.load()
        return bool(table.name == 'periods' and loaded and
                    loaded['periods'][1])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.form()
        loaded = self.load()
        context['form'] = form
        context['unavailable'] = form.is_valid() and loaded is None
        if loaded:
            context['charts'] = chart.charts(
                loaded['series'], form.cleaned_data['step'] == forms.HOUR)
            context['period_query'] = form.query()
        return context


# Columns of the CSV file: the API's exact numbers first, then the
# readable ones and the seconds of each source.
CSV_COLUMNS = (
    ('meter', 'meter'), ('group', 'group'), ('quantity', 'quantity'),
    ('unit', 'unit'), ('readable_quantity', 'readable'),
    ('readable_unit', 'readable_unit'),
    ('notification_seconds', 'notification_seconds'),
    ('audit_seconds', 'audit_seconds'),
    ('reconciliation_seconds', 'reconciliation_seconds'),
    ('inferred_seconds', 'inferred_seconds'))


class CsvView(generic.View):
    """The usage by group of a period as a CSV file."""

    def get(self, request):
        form = period_form(request)
        if not form.is_valid():
            return http.HttpResponseBadRequest(
                'Invalid period: %s' % '; '.join(
                    str(m) for errors in form.errors.values()
                    for m in errors), content_type='text/plain')
        start, end = form.period()
        try:
            report = metering.usage(metering.client(request), start, end,
                                    meters.group_by())
        except metering.ERRORS as exc:
            return http.HttpResponse(metering.error_text(exc), status=502,
                                     content_type='text/plain')
        response = http.HttpResponse(content_type='text/csv')
        response['Content-Disposition'] = (
            'attachment; filename="usage-%s-%s.csv"' % (
                form.cleaned_data['start'].isoformat(),
                form.cleaned_data['end'].isoformat()))
        writer = csv.writer(response)
        writer.writerow([header for header, _name in CSV_COLUMNS])
        for row in tables.usage_rows(report):
            writer.writerow([getattr(row, name)
                             for _header, name in CSV_COLUMNS])
        return response
