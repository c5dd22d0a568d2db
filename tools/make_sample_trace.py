#!/usr/bin/env python3
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
"""Write samples/nova-trace.jsonl, the trace the README's quickstart meters.

Every message is a real nova sample from the shared fixtures, with ids,
times and flavors changed to tell one working day of two projects. The
file is committed; this script shows how it was made.

    python tools/make_sample_trace.py > samples/nova-trace.jsonl
"""

import datetime
import json
import sys

from scs_metering.tests import fixtures as fx

DAY = '2026-11-02'
ACME = 'a1c3e5f7a9b1c3d5e7f9a1b3c5d7e9f1'
GLOBEX = '9b8a7c6d5e4f30211203f4e5d6c7b8a9'
ALICE = '3f1e2d3c4b5a69788796a5b4c3d2e1f0'
BOB = 'c0ffee00c0ffee00c0ffee00c0ffee00'
SMALL = fx.flavor('m1.small', '2', 1, 2048, 20)
MEDIUM = fx.flavor('m1.medium', '3', 2, 4096, 40)
LARGE = fx.flavor('m1.large', '4', 4, 8192, 80)


def at(hms, micro='000000'):
    return '%s %s.%s' % (DAY, hms, micro)


def iso(hms):
    return '%sT%sZ' % (DAY, hms)


def versioned(sample, vm, project, user, when, message_id, **data):
    time = datetime.datetime.fromisoformat('%sT%s' % (DAY, when))
    return fx.instance(sample, vm, project, user, time, message_id, **data)


def main(out):
    vm1 = '6f9a1e0c-1b2d-4e3f-8a9b-0c1d2e3f4a51'
    vm2 = '6f9a1e0c-1b2d-4e3f-8a9b-0c1d2e3f4a52'
    vm3 = '6f9a1e0c-1b2d-4e3f-8a9b-0c1d2e3f4a53'
    vm4 = '6f9a1e0c-1b2d-4e3f-8a9b-0c1d2e3f4a54'
    vm5 = '6f9a1e0c-1b2d-4e3f-8a9b-0c1d2e3f4a55'
    launch1, launch2 = iso('08:00:12'), iso('09:15:00')
    unpause2 = versioned('instance-unpause-end', vm2, ACME, ALICE,
                         '14:00:00', 'msg-0012', launched_at=launch2,
                         flavor=SMALL)
    messages = [
        # acme: vm1 is created, resized to m1.medium, and deleted.
        versioned('instance-create-start', vm1, ACME, ALICE, '08:00:05',
                  'msg-0001', flavor=SMALL, launched_at=None),
        versioned('instance-create-end', vm1, ACME, ALICE, '08:00:12',
                  'msg-0002', launched_at=launch1, flavor=SMALL),
        # acme: vm2 runs all day, with an hour paused.
        versioned('instance-create-end', vm2, ACME, ALICE, '09:15:00',
                  'msg-0003', launched_at=launch2, flavor=SMALL),
        versioned('instance-exists', vm2, ACME, ALICE, '10:00:02',
                  'msg-0004', launched_at=launch2, flavor=SMALL),
        # globex: vm3 is reported in nova's legacy format.
        fx.on_the_wire(fx.legacy('compute.instance.create.end', {
            'instance_id': vm3, 'tenant_id': GLOBEX, 'user_id': BOB,
            'launched_at': iso('10:05:00'), 'created_at': iso('10:04:31'),
            'instance_type': 'm1.large', 'instance_flavor_id': '4',
            'vcpus': 4, 'memory_mb': 8192, 'root_gb': 80, 'disk_gb': 80,
        }), timestamp=at('10:05:01'), message_id='msg-0005'),
        # globex: vm4's delete is archived before its create; event time
        # decides, not arrival order.
        versioned('instance-delete-end', vm4, GLOBEX, BOB, '11:20:00',
                  'msg-0007', launched_at=iso('11:00:00'), flavor=SMALL,
                  deleted_at=iso('11:20:00'),
                  terminated_at=iso('11:20:00')),
        versioned('instance-create-end', vm4, GLOBEX, BOB, '11:00:00',
                  'msg-0006', launched_at=iso('11:00:00'), flavor=SMALL),
        versioned('instance-resize_finish-end', vm1, ACME, ALICE,
                  '12:30:00', 'msg-0008', launched_at=launch1,
                  flavor=MEDIUM),
        versioned('instance-resize_confirm-end', vm1, ACME, ALICE,
                  '12:31:00', 'msg-0009', launched_at=launch1,
                  flavor=MEDIUM),
        versioned('instance-pause-end', vm2, ACME, ALICE, '13:00:00',
                  'msg-0010', launched_at=launch2, flavor=SMALL),
        # globex: vm5 is shelved and offloaded for an hour.
        versioned('instance-create-end', vm5, GLOBEX, BOB, '13:58:40',
                  'msg-0011', launched_at=iso('13:58:40'), flavor=SMALL),
        unpause2,
        # The same message delivered twice counts once.
        unpause2,
        versioned('instance-shelve-end', vm5, GLOBEX, BOB, '15:00:00',
                  'msg-0013', launched_at=iso('13:58:40'), flavor=SMALL),
        versioned('instance-shelve_offload-end', vm5, GLOBEX, BOB,
                  '15:02:00', 'msg-0014', launched_at=iso('13:58:40'),
                  flavor=SMALL),
        versioned('instance-unshelve-end', vm5, GLOBEX, BOB, '16:00:00',
                  'msg-0015', launched_at=iso('16:00:00'), flavor=SMALL),
        fx.on_the_wire(fx.legacy('compute.instance.delete.end', {
            'instance_id': vm3, 'tenant_id': GLOBEX, 'user_id': BOB,
            'launched_at': iso('10:05:00'), 'deleted_at': iso('16:35:10'),
            'terminated_at': iso('16:35:10'), 'instance_type': 'm1.large',
            'instance_flavor_id': '4', 'vcpus': 4, 'memory_mb': 8192,
            'root_gb': 80, 'disk_gb': 80,
        }), timestamp=at('16:35:11'), message_id='msg-0016'),
        versioned('instance-delete-end', vm1, ACME, ALICE, '17:45:30',
                  'msg-0017', launched_at=launch1, flavor=MEDIUM,
                  deleted_at=iso('17:45:30'),
                  terminated_at=iso('17:45:30')),
    ]
    for message in messages:
        out.write(json.dumps(fx.envelope(message), sort_keys=True) + '\n')
    # A message damaged in the archive is quarantined, not lost.
    out.write('{"oslo.message": "{\\"event_type\\": \\"instance.upd", '
              '"oslo.version": "2.0"}\n')


if __name__ == '__main__':
    main(sys.stdout)
