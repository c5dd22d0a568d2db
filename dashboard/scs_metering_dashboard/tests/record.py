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
"""Record the real API's answers that the view tests replay.

Runs the stack (stack.py), then, as each test identity, makes the calls
the panels make, through the panels' own functions (api/metering.py), and
writes every HTTP exchange to recorded/<identity>.json. Run it again when
the API or the panels' calls change::

    tox -e dashboard-record
"""

import datetime
import json
import os
import sys

# The tests package sets Django up: import it before the panels' modules.
from scs_metering_dashboard import tests  # noqa: F401
from scs_metering_dashboard.api import metering  # noqa: H306
from scs_metering_dashboard.dashboards.project.metering_usage import forms
from scs_metering_dashboard import meters
from scs_metering_dashboard.tests import recording
from scs_metering_dashboard.tests import stack as stack_mod

IDENTITIES = ('admin', 'alpha-member', 'alpha-reader', 'gamma-member',
              'delta-service')
# The periods the view tests show: November by day, November 2 by hour.
PERIODS = (
    {'start': '2026-11-01', 'end': '2026-12-01', 'step': forms.DAY},
    {'start': '2026-11-02', 'end': '2026-11-03', 'step': forms.HOUR},
)
# Horizon's default page size, and a small one that makes pages.
PAGE_SIZES = (20, 2)


class Recorder:

    def __init__(self):
        self.exchanges = []

    def hook(self, response, *args, **kwargs):
        request = response.request
        self.exchanges.append({
            'request': recording.key(request.method, request.url,
                                     request.body),
            'status': response.status_code,
            'content_type': response.headers.get('Content-Type'),
            'body': response.text,
        })

    def client(self, stack, identity):
        api = stack.client(identity)
        api.sinks.http.adapter.session.session.hooks['response'].append(
            self.hook)
        return api


def _pages(fetch, *args):
    """Every page a user could step through, at each page size."""
    for size in PAGE_SIZES:
        marker = None
        for _page in range(3):
            items, more = fetch(*args, size, marker)
            if not more:
                break
            marker = items[-1]['id'] if 'id' in items[-1] else '%s:%s' % (
                items[-1]['resource_type'], items[-1]['resource_id'])


def record_identity(stack, identity):
    recorder = Recorder()
    api = recorder.client(stack, identity)
    for probe in metering.PROBES.values():
        try:
            probe(api)
        except metering.Forbidden:
            pass
    group_by = meters.group_by()
    for values in PERIODS:
        form = forms.PeriodForm(values)
        assert form.is_valid(), form.errors
        start, end = form.period()
        try:
            metering.usage(api, start, end, group_by)
            metering.usage_series(api, form.buckets(), group_by)
            _pages(lambda size, marker: metering.resources_page(
                api, start, end, size, marker))
        except metering.Forbidden:
            pass
    if identity == 'admin':
        record_admin(api, stack)
    return recorder.exchanges


def record_admin(api, stack):
    _pages(lambda size, marker: metering.sinks_page(api, size, marker))
    for sink in api.sinks.list():
        metering.sink(api, sink['id'])
    try:
        metering.sink(api, 'no-such-sink')
    except metering.NotFound:
        pass
    billing = stack.sinks['billing']['id']
    _pages(lambda size, marker: metering.dead_letters_page(
        api, billing, size, marker))
    entries = record_quarantine(api)
    # Actions last: they change what the reads above answered.
    metering.pause(api, stack.sinks['archive']['id'])
    metering.resume(api, stack.sinks['warehouse']['id'])
    first = metering.dead_letters_page(api, billing, 1)[0][0]
    metering.retry(api, billing, [first['id']])
    metering.retry(api, billing)
    # Each entry alone (those that still fail stay), then all of them.
    for entry in entries:
        metering.retry_quarantined(api, str(entry['id']))
    metering.retry_quarantined(api)


def record_quarantine(api):
    """The quarantine's pages, filtered and not, and each entry's.

    Returns the entries, for the retries that end the recording.
    """
    _pages(lambda size, marker: metering.quarantine_page(api, size, marker))
    for service in ('cinder', 'glance'):
        metering.quarantine_page(api, PAGE_SIZES[0], service=service)
    entries = metering.quarantine_page(api, PAGE_SIZES[0])[0]
    for entry in entries:
        metering.quarantine_entry(api, str(entry['id']))
    try:
        metering.quarantine_entry(api, '999999')
    except metering.NotFound:
        pass
    return entries


def main():
    stack = stack_mod.Stack()
    try:
        stack.start()
        os.makedirs(recording.RECORDED, exist_ok=True)
        for identity in IDENTITIES:
            exchanges = record_identity(stack, identity)
            path = os.path.join(recording.RECORDED, identity + '.json')
            with open(path, 'w') as f:
                json.dump(exchanges, f, indent=1, sort_keys=True)
                f.write('\n')
            print('%s: %d exchanges' % (identity, len(exchanges)))
        with open(os.path.join(recording.RECORDED, 'context.json'), 'w') as f:
            json.dump({
                'recorded_at': datetime.datetime.now(
                    datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
                'api_url': stack.api_url,
                'project_ids': stack.keystone.project_ids,
                'users': stack.keystone.users,
                'sinks': {name: sink['id']
                          for name, sink in stack.sinks.items()},
            }, f, indent=1, sort_keys=True)
            f.write('\n')
    finally:
        stack.stop()


if __name__ == '__main__':
    sys.exit(main())
