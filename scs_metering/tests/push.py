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
"""Helpers of the push layer's tests: a store with records and sinks."""

import datetime

from cryptography import fernet

from scs_metering.engine import ingest
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import manager

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def instance_event(eid, action, when, vm='vm1', state='active',
                   flavor='m1.small', project='p1'):
    """A canonical instance event, as the converter makes them."""
    return ev.Event(id=eid, resource_type='instance', resource_id=vm,
                    action=action, time=when, project_id=project,
                    user_id='u1', attributes={
                        'state': state, 'flavor_name': flavor,
                        'flavor_id': flavor, 'vcpus': 1,
                        'memory_mb': 512, 'root_gb': 1,
                        'ephemeral_gb': 0})


def vm_lives(t0, count, prefix='vm'):
    """Servers created at t0, paused at 30 minutes, deleted at 150.

    Each makes three lifecycle records and, windows closed, four usage
    records.
    """
    events = []
    for n in range(count):
        vm = '%s%d' % (prefix, n)
        events += [
            instance_event('%s-c' % vm, ev.CREATE, t0, vm),
            instance_event('%s-p' % vm, ev.UPDATE, t0 + 30 * MINUTE, vm,
                           state='paused'),
            instance_event('%s-d' % vm, ev.DELETE, t0 + 150 * MINUTE, vm,
                           state='deleted'),
        ]
    return events


class Store:
    """Ingest, window closing and sinks on a test's connection."""

    def __init__(self, test, connection):
        self.test = test
        self.connection = connection
        test.config('publisher', secret_keys=[fernet.Fernet.generate_key(
        ).decode()])
        self.ingestor = ingest.Ingestor(connection)
        self.closer = windows.WindowCloser(connection, test.definitions())

    def sink(self, **definition):
        definition.setdefault('name', 's%d' % len(self.connection.sinks()))
        return manager.store(self.test.conf, self.connection, definition)

    def ingest(self, events):
        return self.ingestor.store(events)

    def close(self, until):
        return self.closer.run(until=until)

    def records(self):
        """(id, revision) of every record revision of both kinds."""
        usage = self.connection.current_records()
        keys = set()
        for record in usage:
            keys.update((record.id, r) for r in range(1,
                                                      record.revision + 1))
        keys.update((r.id, r.revision)
                    for r in self.connection.lifecycle_records())
        return keys
