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
"""Sinks with their delivery status, and the dead letters of one."""

import urllib.parse

from django.contrib import messages
from django import shortcuts
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from scs_metering_dashboard.api import metering
from scs_metering_dashboard import calls


class PauseSink(tables.BatchAction):
    name = 'pause'
    classes = ('btn-warning',)
    help_text = _('Deliveries stop; the backlog keeps every record until '
                  'the sink is resumed.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Pause Sink', 'Pause Sinks', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Paused Sink', 'Paused Sinks', count)

    def allowed(self, request, sink=None):
        return sink is None or not sink['status']['paused']

    def action(self, request, obj_id):
        calls.call(request, metering.pause, obj_id)


class ResumeSink(tables.BatchAction):
    name = 'resume'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Resume Sink', 'Resume Sinks', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Resumed Sink', 'Resumed Sinks', count)

    def allowed(self, request, sink=None):
        return sink is None or sink['status']['paused']

    def action(self, request, obj_id):
        calls.call(request, metering.resume, obj_id)


def _status(name):
    return lambda sink: sink['status'][name]


def _state(sink):
    return _('Paused') if sink['status']['paused'] else _('Delivering')


def _last_error(sink):
    status = sink['status']
    if not status['last_error']:
        return '-'
    return '%s: %s' % (status['last_error_at'], status['last_error'])


def _detail_url(sink):
    return reverse('horizon:admin:metering_sinks:detail', args=[sink['id']])


class SinksTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'), link=_detail_url)
    driver = tables.Column('driver', verbose_name=_('Driver'))
    format = tables.Column('format', verbose_name=_('Format'))
    state = tables.Column(_state, verbose_name=_('State'))
    backlog = tables.Column(
        _status('backlog'), verbose_name=_('Backlog'),
        classes=('text-right',),
        help_text=_('Records waiting to be delivered.'))
    lag = tables.Column(
        _status('oldest_pending_age'), verbose_name=_('Lag (s)'),
        classes=('text-right',), empty_value='-',
        help_text=_('Age in seconds of the oldest record waiting.'))
    delivered = tables.Column(_status('delivered'),
                              verbose_name=_('Delivered'),
                              classes=('text-right',))
    failed = tables.Column(_status('failed_attempts'),
                           verbose_name=_('Failed attempts'),
                           classes=('text-right',))
    dead_letters = tables.Column(
        _status('dead_letters'), verbose_name=_('Dead letters'),
        classes=('text-right',), link=_detail_url,
        help_text=_('Records the sink refused for good; retry them once '
                    'the sink accepts them.'))
    last_success = tables.Column(_status('last_success_at'),
                                 verbose_name=_('Last success'),
                                 empty_value='-')
    last_error = tables.Column(_last_error, verbose_name=_('Last error'),
                               truncate=120)

    class Meta:
        name = 'sinks'
        verbose_name = _('Sinks')
        no_data_message = _('No sink is configured: usage records are kept '
                            'but sent nowhere. Create one with "openstack '
                            'metering sink create".')
        row_actions = (PauseSink, ResumeSink)

    def get_object_id(self, sink):
        return sink['id']

    def get_object_display(self, sink):
        return sink['name']

    def get_pagination_string(self):
        return 'marker=%s' % urllib.parse.quote(
            self.get_object_id(self.data[-1]), safe='')


class RetryDeadLetters(tables.BatchAction):
    name = 'retry'
    classes = ('btn-primary',)
    help_text = _('The dead letters become pending again and are delivered '
                  'with the rest of the backlog.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Retry Dead Letter', 'Retry Dead Letters',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Retried Dead Letter', 'Retried Dead Letters',
                             count)

    def action(self, request, obj_id):
        calls.call(request, metering.retry, self.table.kwargs['sink_id'],
                   [int(obj_id)])


class RetryAll(tables.Action):
    name = 'retry_all'
    verbose_name = _('Retry All')
    requires_input = False
    classes = ('btn-primary',)

    def single(self, table, request, obj_id=None):
        sink_id = table.kwargs['sink_id']
        try:
            retried = calls.call(request, metering.retry, sink_id)
        except metering.ERRORS:
            pass
        else:
            messages.success(request, ngettext_lazy(
                '%(count)d dead letter is pending again.',
                '%(count)d dead letters are pending again.', retried) % {
                    'count': retried})
        return shortcuts.redirect(reverse(
            'horizon:admin:metering_sinks:detail', args=[sink_id]))


def _answer(entry):
    return entry['answer'] or entry['last_error'] or '-'


class DeadLettersTable(tables.DataTable):
    entry = tables.Column('id', verbose_name=_('Entry'))
    kind = tables.Column('kind', verbose_name=_('Kind'))
    record = tables.Column('record_id', verbose_name=_('Record'))
    revision = tables.Column('revision', verbose_name=_('Revision'),
                             classes=('text-right',))
    attempts = tables.Column('attempts', verbose_name=_('Attempts'),
                             classes=('text-right',))
    dead_at = tables.Column('dead_at', verbose_name=_('Refused at'))
    answer = tables.Column(_answer, verbose_name=_('Sink\'s answer'),
                           truncate=160)

    class Meta:
        name = 'dead_letters'
        verbose_name = _('Dead letters')
        no_data_message = _('No dead letter: the sink accepted or is still '
                            'trying every record.')
        table_actions = (RetryDeadLetters, RetryAll)
        row_actions = (RetryDeadLetters,)

    def get_object_id(self, entry):
        return str(entry['id'])

    def get_object_display(self, entry):
        return '%s %s' % (entry['kind'], entry['record_id'])
