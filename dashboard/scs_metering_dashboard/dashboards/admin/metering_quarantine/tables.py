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
"""Quarantined notifications, and retrying them."""

from django.contrib import messages
from django import shortcuts
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from scs_metering_dashboard.api import metering
from scs_metering_dashboard import calls

INDEX = 'horizon:admin:metering_quarantine:index'


class StillFailing(Exception):
    """The entry was metered again and failed again: it stays."""


def told(request, report):
    """Tell what a retry did; whether every entry left the quarantine."""
    for entry in report['failing']:
        messages.warning(request, _('Entry %(id)s still fails: %(reason)s')
                         % entry)
    if report['retried']:
        messages.success(request, ngettext_lazy(
            '%(count)d entry was metered and left the quarantine.',
            '%(count)d entries were metered and left the quarantine.',
            len(report['retried'])) % {'count': len(report['retried'])})
    return not report['failing']


class RetryEntry(tables.BatchAction):
    name = 'retry'
    classes = ('btn-primary',)
    # From an entry's page too: one that metered has no page any more.
    success_url = INDEX
    help_text = _('The messages are metered again, with the definitions in '
                  'force now; each one that meters leaves the quarantine.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Retry Entry', 'Retry Entries', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Retried Entry', 'Retried Entries', count)

    def action(self, request, obj_id):
        report = calls.call(request, metering.retry_quarantined, obj_id)
        if not told(request, report):
            raise StillFailing(obj_id)


class RetryAll(tables.Action):
    name = 'retry_all'
    verbose_name = _('Retry All')
    requires_input = False
    classes = ('btn-primary',)

    def single(self, table, request, obj_id=None):
        try:
            report = calls.call(request, metering.retry_quarantined)
        except metering.ERRORS:
            pass
        else:
            if told(request, report) and not report['retried']:
                messages.info(request, _('The quarantine is empty.'))
        return shortcuts.redirect(reverse(INDEX))


class ServiceFilter(tables.FilterAction):
    filter_type = 'server'
    filter_choices = (('service', _('Service ='), True),)


def _detail_url(entry):
    return reverse('horizon:admin:metering_quarantine:detail',
                   args=[entry['id']])


class QuarantineTable(tables.DataTable):
    entry = tables.Column('id', verbose_name=_('Entry'), link=_detail_url)
    service = tables.Column('service', verbose_name=_('Service'),
                            empty_value=_('unknown'))
    event_type = tables.Column('event_type', verbose_name=_('Event type'),
                               empty_value='-')
    reason = tables.Column('reason', verbose_name=_('Reason'), truncate=160)
    received = tables.Column('received_at', verbose_name=_('Received'))

    class Meta:
        name = 'quarantine'
        verbose_name = _('Quarantine')
        no_data_message = _('No quarantined notification: every message '
                            'received became usage.')
        table_actions = (ServiceFilter, RetryEntry, RetryAll)
        row_actions = (RetryEntry,)

    def get_object_id(self, entry):
        return str(entry['id'])

    def get_object_display(self, entry):
        return '%s %s' % (entry['id'], entry['service'] or _('unknown'))


class EntryTable(QuarantineTable):
    """The entry of its own page, with its Retry action."""

    class Meta(QuarantineTable.Meta):
        table_actions = ()
