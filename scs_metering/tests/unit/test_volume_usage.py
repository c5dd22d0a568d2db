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
"""Nova's volume.usage counters, from the real sample, through the engine.

nova-compute reads an attached volume's I/O counters from the hypervisor,
which counts from zero when the volume is attached, so the first reading
of an attachment is usage, and a re-attach starts a new series that
counts from zero again.
"""

import datetime
import decimal

from scs_metering.agent import converter
from scs_metering.engine import samples
from scs_metering import events as ev
from scs_metering.tests import base
from scs_metering.tests import fixtures as fx

D = decimal.Decimal
T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)
VOLUME = 'a07f71dc-8151-4e7d-a0cc-cd24a3f11113'
VM = '88fde343-13a8-4047-84fb-2657d5e702f9'
OTHER_VM = '5d3c1a0e-6f55-4f0f-a7a1-8f1d2b0f6b41'
PROJECT = '6f70656e737461636b20342065766572'


class VolumeUsageTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.defs = self.definitions()
        self.converter = converter.Converter(self.defs)

    def reading(self, minutes, read_bytes, instance=VM):
        when = T0 + datetime.timedelta(minutes=minutes)
        message = fx.on_the_wire(fx.nova('volume-usage', {
            'last_refreshed': when.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'read_bytes': read_bytes, 'reads': read_bytes // 4096,
            'write_bytes': 2 * read_bytes, 'writes': 0,
            'instance_uuid': instance}))
        outcome = self.converter.convert('nova', message)
        self.assertEqual(([], 0), (outcome.quarantined, outcome.ignored))
        return outcome.events

    def quantities(self, meter, events, window=0):
        start = T0 + window * HOUR
        found = samples.records(self.defs.meters[meter], 'attached_volume',
                                VOLUME, [e for e in events
                                         if e.meter == meter],
                                start, start + HOUR)
        return {r.attributes['instance_id']: r.quantity for r in found}

    def test_the_real_sample_is_four_readings(self):
        events = self.reading(0, 0)
        self.assertEqual(
            [('volume.read.bytes', D(0)), ('volume.read.requests', D(0)),
             ('volume.write.bytes', D(0)), ('volume.write.requests', D(0))],
            sorted((e.meter, e.volume) for e in events))
        event = events[0]
        self.assertEqual(
            ('attached_volume', VOLUME, PROJECT, 'fake', ev.SAMPLE, T0,
             {'instance_id': VM}),
            (event.resource_type, event.resource_id, event.project_id,
             event.user_id, event.action, event.time, event.attributes))

    def test_the_first_poll_is_usage(self):
        # Attached at 08:00, first polled at 08:10 with 4096 bytes read:
        # those bytes were read since the attach, none are lost.
        events = self.reading(10, 4096) + self.reading(30, 12288)
        self.assertEqual({VM: D(12288)},
                         self.quantities('volume.read.bytes', events))
        self.assertEqual({VM: D(24576)},
                         self.quantities('volume.write.bytes', events))

    def test_a_reattach_counts_from_zero_again(self):
        # Detached after 12288 bytes, re-attached to another server: its
        # counters start from zero again, like the first attachment's.
        events = (self.reading(10, 4096) + self.reading(30, 12288) +
                  self.reading(40, 1024, OTHER_VM) +
                  self.reading(50, 5120, OTHER_VM))
        self.assertEqual({VM: D(12288), OTHER_VM: D(5120)},
                         self.quantities('volume.read.bytes', events))

    def test_a_series_is_counted_once_across_windows(self):
        events = (self.reading(50, 4096) + self.reading(70, 8192) +
                  self.reading(80, 1024, OTHER_VM))
        self.assertEqual({VM: D(4096)},
                         self.quantities('volume.read.bytes', events, 0))
        self.assertEqual({VM: D(4096), OTHER_VM: D(1024)},
                         self.quantities('volume.read.bytes', events, 1))

    def test_a_reattach_above_the_last_reading_is_a_new_series(self):
        # Re-attached to another server, whose first poll already reads
        # more than the old attachment's last: still a new series, from
        # zero, not a continuation worth 20480 - 12288.
        events = (self.reading(10, 4096) + self.reading(30, 12288) +
                  self.reading(40, 20480, OTHER_VM) +
                  self.reading(50, 24576, OTHER_VM))
        self.assertEqual({VM: D(12288), OTHER_VM: D(24576)},
                         self.quantities('volume.read.bytes', events))
        # Across windows too: the previous reading is the old server's.
        self.assertEqual({OTHER_VM: D(4096)}, self.quantities(
            'volume.read.bytes', events + self.reading(70, 28672, OTHER_VM),
            1))
        self.assertEqual({OTHER_VM: D(20480)}, self.quantities(
            'volume.read.bytes', self.reading(30, 12288) +
            self.reading(70, 20480, OTHER_VM), 1))
