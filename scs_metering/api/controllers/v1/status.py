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
"""/v1/status: the health of the services feeding the usage store."""

import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import validation
from scs_metering.common import timeutils

# How many of the newest parked groups the status shows.
PARKED_SHOWN = 5


def _age(now, when):
    return None if when is None else int((now - when).total_seconds())


def service_state(beat, age, down_after):
    """'stopped' after a clean stop, 'down' once silent too long, or 'up'.

    A cleanly stopped worker says so in its last heartbeat; a killed one
    just falls silent, so only the age of its heartbeat tells.
    """
    if (beat.get('info') or {}).get('stopped'):
        return 'stopped'
    return 'up' if age <= down_after else 'down'


def services(beats, now, down_after, expire_after):
    """The workers to show, each with its age and state.

    A worker silent for more than ``expire_after`` seconds is left out:
    every restart is a new worker, so the dead would otherwise pile up.
    """
    shown = []
    for beat in beats:
        age = _age(now, beat['heartbeat_at'])
        if age > expire_after:
            continue
        state = service_state(beat, age, down_after)
        shown.append(dict(beat, age_seconds=age, state=state,
                          alive=state == 'up'))
    return shown


class StatusController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        validation.query(request, {})
        policy.authorize(request, 'status:get')
        storage = request.storage
        now = timeutils.utcnow()
        stalled = storage.stalled_meters()
        windows = [{'meter': meter, 'closed_until': until,
                    'lag_seconds': _age(now, until),
                    'stalled': meter in stalled}
                   for meter, until in sorted(
                       storage.window_progress().items())]
        return render.jsonable({
            'services': services(storage.heartbeats(), now,
                                 request.conf.api.service_down_time,
                                 request.conf.api.service_expire_time),
            'reconciliation': [
                dict(run, lag_seconds=_age(now, run['last_success_at']))
                for run in storage.last_reconciliations()],
            'windows': windows,
            'engine_lag_seconds': max(
                (w['lag_seconds'] for w in windows), default=None),
            'quarantine': storage.quarantine_summary(),
            # Meters whose windows failed to close: a failure, whatever
            # their lag says.
            'stalled_meters': [dict(stall, meter=meter) for meter, stall
                               in sorted(stalled.items())],
            # Groups of a window the database refused, parked alone
            # while the rest of the window closed: the newest few.
            'parked_groups': {
                'count': storage.parked_count(),
                'newest': storage.parked_groups(limit=PARKED_SHOWN)},
            # The throttling evaluators' last runs: a failed one decided
            # nothing new.
            'throttling': [
                dict(run, lag_seconds=_age(now, run['last_success_at']))
                for run in storage.throttling_runs()],
        })
