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
"""The period picker: whole UTC days, shown by day or by hour."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

UTC = datetime.timezone.utc
DAY = 'day'
HOUR = 'hour'
STEPS = {DAY: datetime.timedelta(days=1), HOUR: datetime.timedelta(hours=1)}
# Each bar of the chart is one API request; this bounds a page's requests.
MAX_BUCKETS = 72


def this_month(today):
    """[first day of the month, first day of the next) of a date."""
    start = today.replace(day=1)
    return start, (start + datetime.timedelta(days=32)).replace(day=1)


def _date_input():
    return forms.DateInput(attrs={'class': 'form-control',
                                  'data-date-format': 'yyyy-mm-dd'},
                           format='%Y-%m-%d')


class PeriodForm(forms.Form):
    start = forms.DateField(label=_('From'), widget=_date_input(),
                            input_formats=['%Y-%m-%d'])
    end = forms.DateField(
        label=_('To'), widget=_date_input(), input_formats=['%Y-%m-%d'],
        help_text=_('Excluded: the period ends as this day begins, UTC.'))
    step = forms.ChoiceField(
        label=_('Chart by'), choices=[(DAY, _('Day')), (HOUR, _('Hour'))],
        widget=forms.Select(attrs={'class': 'form-control'}))

    def clean(self):
        values = super().clean()
        start, end, step = (values.get('start'), values.get('end'),
                            values.get('step'))
        if start is None or end is None or step is None:
            return values
        if start >= end:
            raise forms.ValidationError(_('The period must end after it '
                                          'starts.'))
        if len(self._buckets(start, end, step)) > MAX_BUCKETS:
            raise forms.ValidationError(
                _('A chart has at most %(max)d bars: choose a shorter '
                  'period, or chart it by day.') % {'max': MAX_BUCKETS})
        return values

    @staticmethod
    def _buckets(start, end, step):
        begin = datetime.datetime.combine(start, datetime.time(), UTC)
        stop = datetime.datetime.combine(end, datetime.time(), UTC)
        buckets = []
        while begin < stop:
            buckets.append((begin, begin + STEPS[step]))
            begin += STEPS[step]
        return buckets

    def period(self):
        """(start, end) as aware UTC datetimes; the form must be valid."""
        values = self.cleaned_data
        return (datetime.datetime.combine(values['start'], datetime.time(),
                                          UTC),
                datetime.datetime.combine(values['end'], datetime.time(),
                                          UTC))

    def buckets(self):
        values = self.cleaned_data
        return self._buckets(values['start'], values['end'], values['step'])

    def query(self):
        """The query string of this period, for links that keep it."""
        values = self.cleaned_data
        return 'start=%s&end=%s&step=%s' % (
            values['start'].isoformat(), values['end'].isoformat(),
            values['step'])
