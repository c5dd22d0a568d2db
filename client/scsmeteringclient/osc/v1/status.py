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
"""openstack metering status: the health of the metering service."""

from cliff import show
from osc_lib.cli import format_columns

from scsmeteringclient.osc import common

FIELDS = ('engine_lag_seconds', 'stalled_meters', 'parked_groups',
          'parked_newest', 'services', 'windows',
          'reconciliation', 'throttling',
          'quarantined', 'quarantined_by_service', 'quarantine_oldest',
          'quarantine_newest')


class ShowStatus(common.Command, show.ShowOne):
    """Show the health of the metering service."""

    _description = __doc__ + """ Admin only. The fields::

    services                the heartbeat of each agent and engine
                            worker, and its state: up, stopped (a
                            clean stop) or down (silent too long)
    windows                 how far the usage windows of each meter are
                            closed, and their lag behind now
    engine_lag_seconds      the largest lag
    stalled_meters          meters whose windows failed to close, with
                            the reason, since when and how many attempts:
                            a failure to deal with, see the engine log
    parked_groups           how many groups of windows (a meter's window
                            of one project, user and attribute set) the
                            database refused: parked alone while the
                            rest closed, retried on every run
    parked_newest           the newest parked groups, with the reason
    reconciliation          the last run of each resource type against
                            its service's API, with its counts, and
                            the start and lag of its last successful
                            one
    throttling              the last run of each throttling evaluator:
                            success, partial (some rules, projects or
                            enforcement steps failed) or failed (nothing
                            new was decided), with its error
    quarantined             notifications that could not become usage,
                            each kept with its reason until replayed"""
    _epilog = """Examples::

    openstack metering status
    openstack metering status -f json -c engine_lag_seconds"""

    def take_action(self, parsed_args):
        status = self.client.status.get()
        quarantine = status['quarantine']
        status = dict(status, quarantined=quarantine['total'],
                      quarantined_by_service=quarantine['by_service'],
                      quarantine_oldest=quarantine.get('oldest'),
                      quarantine_newest=quarantine.get('newest'))
        parked = status.get('parked_groups') or {}
        status.update(parked_groups=parked.get('count'),
                      parked_newest=parked.get('newest'))
        return FIELDS, common.values(status, FIELDS, {
            'services': format_columns.ListDictColumn,
            'windows': format_columns.ListDictColumn,
            'stalled_meters': format_columns.ListDictColumn,
            'parked_newest': format_columns.ListDictColumn,
            'reconciliation': format_columns.ListDictColumn,
            'throttling': format_columns.ListDictColumn,
            'quarantined_by_service': format_columns.DictColumn})
