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
"""The parts of /v1/status: services, reconciliation and windows."""

from django.utils.translation import gettext_lazy as _
from horizon import tables


STATES = {'up': _('Up'), 'stopped': _('Stopped'), 'down': _('Down')}


def _state(service):
    """The worker's state as /v1/status says it.

    'stopped' is a clean stop (the worker's last heartbeat said so),
    'down' a worker silent for longer than [api] service_down_time.
    """
    return STATES.get(service['state'], service['state'])


class ServicesTable(tables.DataTable):
    binary = tables.Column('binary', verbose_name=_('Service'))
    host = tables.Column('host', verbose_name=_('Host'))
    state = tables.Column(
        _state, verbose_name=_('State'), status=True,
        status_choices=((STATES['up'], True), (STATES['stopped'], None),
                        (STATES['down'], False)))
    age = tables.Column(
        'age_seconds', verbose_name=_('Last heartbeat (s ago)'),
        classes=('text-right',))
    heartbeat_at = tables.Column('heartbeat_at',
                                 verbose_name=_('Last heartbeat'))
    started_at = tables.Column('started_at', verbose_name=_('Started'))

    class Meta:
        name = 'services'
        verbose_name = _('Agents, engines and reconcilers')
        no_data_message = _('No service has sent a heartbeat: no agent, '
                            'engine or reconciler is running against this '
                            'database.')

    def get_object_id(self, service):
        return '%s@%s' % (service['binary'], service['host'])


class ReconciliationTable(tables.DataTable):
    resource_type = tables.Column('resource_type',
                                  verbose_name=_('Resource type'))
    status = tables.Column('status', verbose_name=_('Last run'))
    finished_at = tables.Column('finished_at', verbose_name=_('Finished'),
                                empty_value=_('running'))
    listed = tables.Column('listed', verbose_name=_('Listed'),
                           classes=('text-right',))
    missed_creates = tables.Column(
        'missed_creates', verbose_name=_('Missed creates'),
        classes=('text-right',))
    missed_deletes = tables.Column(
        'missed_deletes', verbose_name=_('Missed deletes'),
        classes=('text-right',))
    drift = tables.Column('drift', verbose_name=_('Drift'),
                          classes=('text-right',))
    error = tables.Column('error', verbose_name=_('Error'), empty_value='-',
                          truncate=120)

    class Meta:
        name = 'reconciliation'
        verbose_name = _('Reconciliation')
        no_data_message = _('No reconciliation has run: usage rests on '
                            'notifications alone. Set [reconciliation] '
                            'resource_types and run scs-metering-reconciler.')

    def get_object_id(self, run):
        return run['resource_type']


def _closing(window):
    return _('Stalled') if window['stalled'] else _('Closing')


class WindowsTable(tables.DataTable):
    meter = tables.Column('meter', verbose_name=_('Meter'))
    closed_until = tables.Column('closed_until',
                                 verbose_name=_('Windows closed until'))
    lag = tables.Column('lag_seconds', verbose_name=_('Lag (s)'),
                        classes=('text-right',))
    stalled = tables.Column(
        _closing, verbose_name=_('State'), status=True,
        status_choices=((_('Closing'), True), (_('Stalled'), False)))

    class Meta:
        name = 'windows'
        verbose_name = _('Usage windows')
        no_data_message = _('No usage window has closed yet.')

    def get_object_id(self, window):
        return window['meter']


class StalledTable(tables.DataTable):
    """Meters whose windows failed to close: a failure, whatever the lag.

    The engine tries again on every run of its window closer and clears
    the stall once the windows close.
    """
    meter = tables.Column('meter', verbose_name=_('Meter'))
    reason = tables.Column('reason', verbose_name=_('Reason'),
                           truncate=200)
    since = tables.Column('since', verbose_name=_('Stalled since'))
    last_attempt = tables.Column('last_attempt',
                                 verbose_name=_('Last attempt'))
    attempts = tables.Column('attempts', verbose_name=_('Attempts'),
                             classes=('text-right',))

    class Meta:
        name = 'stalled'
        verbose_name = _('Stalled meters')
        no_data_message = _('No meter is stalled: the windows of every '
                            'meter close.')

    def get_object_id(self, stall):
        return stall['meter']
