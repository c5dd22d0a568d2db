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
"""The usage of a period by group, and the billable periods behind it."""

from django.utils import html
from django.utils.translation import gettext_lazy as _
from horizon import tables

from scs_metering_dashboard import meters
from scs_metering_dashboard import units

PROVENANCES = ('notification', 'audit', 'reconciliation')


class Row:
    """A table row built from one item of an API answer."""

    def __init__(self, row_id, **values):
        self.id = row_id
        self.__dict__.update(values)


def usage_rows(report):
    """Rows of a usage report: the API's numbers, and readable ones."""
    rows = []
    for index, entry in enumerate(report['usage']):
        provenance = entry['provenance']
        values = {
            'meter': entry['meter'],
            'group': meters.group_label(entry['meter'], entry['group']),
            'readable': units.text(units.to_readable(entry['quantity'],
                                                     entry['unit'])),
            'readable_unit': units.readable_unit(entry['unit']),
            'quantity': entry['quantity'], 'unit': entry['unit'],
            'inferred_seconds': entry['inferred_seconds'],
            'inferred_hours': units.text(units.hours(
                entry['inferred_seconds'])),
        }
        for name in PROVENANCES:
            values[name + '_seconds'] = provenance.get(name, 0)
            values[name + '_hours'] = units.text(units.hours(
                provenance.get(name, 0)))
        rows.append(Row(str(index), **values))
    return rows


def period_rows(resources):
    """One row per billable period of each resource of a page."""
    rows = []
    for resource in resources:
        for index, period in enumerate(resource['periods']):
            rows.append(Row(
                '%s:%s#%d' % (resource['resource_type'],
                              resource['resource_id'], index),
                resource='%s %s' % (resource['resource_type'],
                                    resource['resource_id']),
                started_at=period['started_at'],
                ended_at=period['ended_at'] or _('still running'),
                state=period['state'] or '-',
                provenance=period['provenance'],
                start_bounds=_bounds(period['start_min'],
                                     period['start_max']),
                end_bounds=_bounds(period['end_min'], period['end_max']),
                uncertainty_seconds=period['uncertainty_seconds']))
    return rows


def _bounds(low, high):
    if low is None and high is None:
        return _('exact')
    return '%s .. %s' % (low or '?', high or '?')


def _hours(name):
    """Hours of a source, with the API's exact seconds as their title."""
    return lambda row: html.format_html(
        '<span title="{} s">{}</span>', getattr(row, name + '_seconds'),
        getattr(row, name + '_hours'))


class UsageTable(tables.DataTable):
    meter = tables.Column('meter', verbose_name=_('Meter'))
    group = tables.Column('group', verbose_name=_('Group'))
    readable = tables.Column('readable', verbose_name=_('Usage'),
                             classes=('text-right',))
    readable_unit = tables.Column('readable_unit', verbose_name=_('Unit'))
    quantity = tables.Column(
        'quantity', verbose_name=_('Exact (API)'), classes=('text-right',),
        help_text=_('The quantity exactly as the metering API reports it, '
                    'in the unit of its meter.'))
    unit = tables.Column('unit', verbose_name=_('API unit'))
    notification = tables.Column(
        _hours('notification'), verbose_name=_('From notifications (h)'),
        classes=('text-right',))
    audit = tables.Column(
        _hours('audit'), verbose_name=_('From audits (h)'),
        classes=('text-right',))
    reconciliation = tables.Column(
        _hours('reconciliation'), verbose_name=_('From reconciliation (h)'),
        classes=('text-right',),
        help_text=_('Resource hours that the API of the service showed '
                    'and no notification did.'))

    class Meta:
        name = 'usage'
        verbose_name = _('Usage by group')
        no_data_message = _('No usage was metered for this project in this '
                            'period. Usage of an hour appears a few minutes '
                            'after the hour has ended.')


class PeriodsTable(tables.DataTable):
    resource = tables.Column('resource', verbose_name=_('Resource'))
    started_at = tables.Column('started_at', verbose_name=_('Billed from'))
    ended_at = tables.Column('ended_at', verbose_name=_('Billed until'))
    state = tables.Column('state', verbose_name=_('State'))
    provenance = tables.Column(
        'provenance', verbose_name=_('Source'),
        help_text=_('What the period was learnt from: a notification, an '
                    'audit (exists) notification, or reconciliation with '
                    'the service\'s API.'))
    start_bounds = tables.Column('start_bounds',
                                 verbose_name=_('Start lies in'))
    end_bounds = tables.Column('end_bounds', verbose_name=_('End lies in'))
    uncertainty = tables.Column(
        'uncertainty_seconds', verbose_name=_('Uncertainty (s)'),
        classes=('text-right',),
        help_text=_('Seconds by which the billed span may differ from the '
                    'true one.'))

    class Meta:
        name = 'periods'
        verbose_name = _('Billable periods and their sources')
        no_data_message = _('No resource of this project was billed in this '
                            'period.')

    next_query = ''

    def get_pagination_string(self):
        # Horizon's link keeps only the marker; the view sets one that
        # keeps the period as well.
        return self.next_query
