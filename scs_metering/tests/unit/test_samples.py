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
"""Gauge, counter and delta arithmetic, at the edges of windows."""

import datetime
import decimal
import random

from scs_metering.db import api as db_api
from scs_metering.engine import ingest
from scs_metering.engine import samples
from scs_metering.engine import windows
from scs_metering import events as ev
from scs_metering.publisher import manager
from scs_metering.tests import base

D = decimal.Decimal
T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOUR = datetime.timedelta(hours=1)

# A made-up object store, metered purely from YAML: the level it stores
# (a gauge, integrated and averaged), the requests it served (a
# cumulative counter) and the bytes it sent (deltas).
ACME = '''
resource_types:
  bucket: {service: acme}
meters:
  acme.stored:
    {resource_type: bucket, kind: gauge, unit: B*s, hold: 7200}
  acme.stored.average:
    {resource_type: bucket, kind: gauge, unit: B, hold: 7200,
     aggregate: average, samples_of: acme.stored}
  acme.requests: {resource_type: bucket, kind: counter, unit: request}
  acme.requests.from_zero:
    {resource_type: bucket, kind: counter, unit: request,
     starts_at_zero: true, samples_of: acme.requests}
  acme.egress: {resource_type: bucket, kind: delta, unit: B}
events:
  acme.report:
    resource_type: bucket
    event_types: [acme.bucket.report]
    default_action: sample
    fields:
      resource_id: /payload/bucket
      project_id: /payload/project
      time: /timestamp
    samples:
      - {meter: acme.stored, volume: /payload/bytes_stored}
      - {meter: acme.requests, volume: /payload/requests_total}
      - {meter: acme.egress, volume: /payload/bytes_out}
'''


def at(minutes, seconds=0):
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


def sample(eid, meter, minutes, volume, bucket='b1', project='p1',
           seconds=0):
    return ev.Event(id=eid, resource_type='bucket', resource_id=bucket,
                    action=ev.SAMPLE, time=at(minutes, seconds),
                    project_id=project, meter=meter, volume=D(volume))


class ArithmeticTest(base.TestCase):
    """One resource, one window, no database."""

    def setUp(self):
        super().setUp()
        self.defs = self.definitions(self.write_file('acme.yaml', ACME))

    def quantity(self, meter, events, window=0):
        start = T0 + window * HOUR
        found = samples.records(self.defs.meters[meter], 'bucket', 'b1',
                                events, start, start + HOUR)
        self.assertLessEqual(len(found), 1)
        return found[0].quantity if found else None

    def test_delta_sums_the_window(self):
        evs = [sample('a', 'acme.egress', 5, 10),
               sample('b', 'acme.egress', 59, 7, seconds=59),
               # Exactly on the boundary: the next window's.
               sample('c', 'acme.egress', 60, 100)]
        self.assertEqual(D(17), self.quantity('acme.egress', evs, 0))
        self.assertEqual(D(100), self.quantity('acme.egress', evs, 1))

    def test_delta_gap_gives_no_record(self):
        evs = [sample('a', 'acme.egress', 5, 10),
               sample('b', 'acme.egress', 185, 1)]
        self.assertIsNone(self.quantity('acme.egress', evs, 1))
        self.assertIsNone(self.quantity('acme.egress', evs, 2))

    def test_delta_decimals_stay_exact(self):
        evs = [sample('a', 'acme.egress', 1, '0.1'),
               sample('b', 'acme.egress', 2, '0.2')]
        self.assertEqual(D('0.3'), self.quantity('acme.egress', evs))

    def test_counter_increments(self):
        evs = [sample('a', 'acme.requests', 0, 1000),
               sample('b', 'acme.requests', 20, 1250),
               sample('c', 'acme.requests', 40, 1300)]
        # The first reading is a baseline only.
        self.assertEqual(D(300), self.quantity('acme.requests', evs))

    def test_counter_reset_starts_a_new_series(self):
        # The first reading of every series is a baseline, the first
        # after a reset alike: 1250 - 1000, then 90 - 40.
        evs = [sample('a', 'acme.requests', 0, 1000),
               sample('b', 'acme.requests', 20, 1250),
               # The service restarted: a new series, not -1210.
               sample('c', 'acme.requests', 40, 40),
               sample('d', 'acme.requests', 50, 90)]
        self.assertEqual(D(250 + 50), self.quantity('acme.requests', evs))

    def test_counter_that_starts_at_zero(self):
        # starts_at_zero: every series counts from zero, the first one
        # and the one after a reset alike.
        evs = [sample('a', 'acme.requests', 0, 1000),
               sample('b', 'acme.requests', 20, 1250),
               sample('c', 'acme.requests', 40, 40),
               sample('d', 'acme.requests', 50, 90)]
        self.assertEqual(D(1250 + 90),
                         self.quantity('acme.requests.from_zero', evs))

    def test_counter_baseline_before_the_window(self):
        # A reading before the window is the previous one, whatever the
        # flag: only a resource's very first reading starts a series.
        evs = [sample('a', 'acme.requests', 50, 1000),
               sample('b', 'acme.requests', 70, 1100)]
        self.assertEqual(D(100), self.quantity('acme.requests', evs, 1))
        self.assertEqual(D(100),
                         self.quantity('acme.requests.from_zero', evs, 1))
        self.assertEqual(D(1000),
                         self.quantity('acme.requests.from_zero', evs, 0))
        self.assertIsNone(self.quantity('acme.requests', evs, 0))

    def test_counter_on_the_boundary_and_across_a_gap(self):
        evs = [sample('a', 'acme.requests', 50, 10),
               # On 09:00:00 exactly: its increment is 09:00's.
               sample('b', 'acme.requests', 60, 30),
               # Two hours without readings: the increment goes to the
               # window of the reading that shows it.
               sample('c', 'acme.requests', 190, 130)]
        self.assertIsNone(self.quantity('acme.requests', evs, 0))
        self.assertEqual(D(20), self.quantity('acme.requests', evs, 1))
        self.assertIsNone(self.quantity('acme.requests', evs, 2))
        self.assertEqual(D(100), self.quantity('acme.requests', evs, 3))

    def test_counter_overlapping_readings_count_once(self):
        # Two agents report the same counter at the same instant, in any
        # order: the same reading twice adds nothing.
        evs = [sample('a', 'acme.requests', 0, 100),
               sample('z', 'acme.requests', 10, 150),
               sample('b', 'acme.requests', 10, 150),
               sample('c', 'acme.requests', 20, 170)]
        for _ in range(5):
            random.shuffle(evs)
            self.assertEqual(D(70), self.quantity('acme.requests', evs))

    def test_gauge_integral_and_average(self):
        evs = [sample('a', 'acme.stored', 0, 1000),
               sample('b', 'acme.stored', 15, 4000),
               sample('c', 'acme.stored', 45, 0)]
        self.assertEqual(D(1000 * 900 + 4000 * 1800),
                         self.quantity('acme.stored', evs))
        self.assertEqual(D(2250),
                         self.quantity('acme.stored.average', evs))

    def test_gauge_on_the_boundary(self):
        evs = [sample('a', 'acme.stored', 30, 10),
               sample('b', 'acme.stored', 60, 20)]
        self.assertEqual(D(10 * 1800), self.quantity('acme.stored', evs))
        self.assertEqual(D(20 * 3600),
                         self.quantity('acme.stored', evs, 1))
        # The average is over the seconds with a known level.
        self.assertEqual(D(10),
                         self.quantity('acme.stored.average', evs))

    def test_gauge_holds_then_stops(self):
        # hold is two hours: the level lasts 08:30-10:30, then is unknown.
        evs = [sample('a', 'acme.stored', 30, 10)]
        self.assertEqual(D(10 * 3600), self.quantity('acme.stored', evs, 1))
        self.assertEqual(D(10 * 1800), self.quantity('acme.stored', evs, 2))
        self.assertIsNone(self.quantity('acme.stored', evs, 3))

    def test_gauge_average_rounds_half_even_to_nine_places(self):
        evs = [sample('a', 'acme.stored', 0, 10),
               sample('b', 'acme.stored', 0, 0, seconds=1),
               sample('c', 'acme.stored', 0, 0, seconds=3)]
        evs.append(sample('d', 'acme.stored', 0, 5, seconds=2))
        # 10 B for 1 s, 0 for 1 s, 5 for 1 s, then 0: 15 B*s over the
        # 3600 s of the window.
        self.assertEqual(D(15), self.quantity('acme.stored', evs))
        self.assertEqual(D('0.004166667'),
                         self.quantity('acme.stored.average', evs))

    def test_owner_and_provenance(self):
        evs = [sample('a', 'acme.egress', 1, 5, project='p1'),
               sample('b', 'acme.egress', 2, 6, project='p2'),
               sample('c', 'acme.egress', 3, 7, project='p2')]
        found = samples.records(self.defs.meters['acme.egress'], 'bucket',
                                'b1', evs, T0, T0 + HOUR)
        self.assertEqual([('p1', D(5), {ev.NOTIFICATION: 1}),
                          ('p2', D(13), {ev.NOTIFICATION: 2})],
                         [(r.project_id, r.quantity, r.provenance)
                          for r in found])


class ClosingTest(base.DBTestCase):
    """Samples through the store and the window closer."""

    def setUp(self):
        super().setUp()
        self.defs = self.definitions(self.write_file('acme.yaml', ACME))
        self.setUp_closer()

    def setUp_closer(self):
        self.ingestor = ingest.Ingestor(self.connection)
        self.closer = windows.WindowCloser(self.connection, self.defs)
        manager.put(self.connection, {
            'name': 'f', 'driver': 'file',
            'url': 'file://%s/usage.jsonl' % self.tempdir})

    def current(self, meter):
        return {(r.resource_id, (r.window_start - T0) // HOUR, r.revision):
                r.quantity for r in self.connection.current_records()
                if r.meter == meter}

    def test_windows_of_every_kind(self):
        self.ingestor.store([
            sample('s1', 'acme.stored', 30, 100),
            sample('s2', 'acme.stored', 90, 300),
            sample('r1', 'acme.requests', 10, 5),
            sample('r2', 'acme.requests', 70, 25),
            sample('e1', 'acme.egress', 59, 4, seconds=59),
            sample('e2', 'acme.egress', 60, 6),
        ])
        self.closer.run(until=T0 + 4 * HOUR)
        self.assertEqual({('b1', 0, 1): D(100 * 1800),
                          ('b1', 1, 1): D(100 * 1800 + 300 * 1800),
                          ('b1', 2, 1): D(300 * 3600),
                          ('b1', 3, 1): D(300 * 1800)},
                         self.current('acme.stored'))
        self.assertEqual({('b1', 0, 1): D(100), ('b1', 1, 1): D(200),
                          ('b1', 2, 1): D(300), ('b1', 3, 1): D(300)},
                         self.current('acme.stored.average'))
        self.assertEqual({('b1', 1, 1): D(20)},
                         self.current('acme.requests'))
        self.assertEqual({('b1', 0, 1): D(4), ('b1', 1, 1): D(6)},
                         self.current('acme.egress'))

    def test_duplicates_count_once(self):
        batch = [sample('e1', 'acme.egress', 5, 4),
                 sample('e2', 'acme.egress', 6, 6)]
        self.ingestor.store(batch)
        self.ingestor.store(batch + batch)
        self.closer.run(until=T0 + HOUR)
        self.assertEqual({('b1', 0, 1): D(10)}, self.current('acme.egress'))

    def test_late_delta_is_a_correction(self):
        self.ingestor.store([sample('e1', 'acme.egress', 5, 4)])
        self.closer.run(until=T0 + 2 * HOUR)
        self.assertEqual({('b1', 0, 1): D(4)}, self.current('acme.egress'))
        self.ingestor.store([sample('e2', 'acme.egress', 30, 6),
                             sample('e3', 'acme.egress', 70, 1)])
        self.closer.run(until=T0 + 2 * HOUR)
        self.assertEqual({('b1', 0, 2): D(10), ('b1', 1, 1): D(1)},
                         self.current('acme.egress'))
        [old] = self.connection.record_revisions(
            [(r.id, 1) for r in self.connection.current_records()
             if r.revision == 2]).values()
        self.assertEqual(D(4), old.quantity)

    def test_late_counter_reading_moves_the_increment(self):
        self.ingestor.store([sample('r1', 'acme.requests', 10, 100),
                             sample('r2', 'acme.requests', 130, 400)])
        self.closer.run(until=T0 + 3 * HOUR)
        self.assertEqual({('b1', 2, 1): D(300)},
                         self.current('acme.requests'))
        # A reading of 09:10 arrives once 09:00 and 10:00 are closed.
        self.ingestor.store([sample('r3', 'acme.requests', 70, 250)])
        self.closer.run(until=T0 + 3 * HOUR)
        self.assertEqual({('b1', 1, 1): D(150), ('b1', 2, 2): D(150)},
                         self.current('acme.requests'))

    def test_late_gauge_sample_corrects_every_window_it_holds(self):
        self.ingestor.store([sample('s1', 'acme.stored', 0, 10)])
        self.closer.run(until=T0 + 3 * HOUR)
        self.assertEqual({('b1', 0, 1): D(36000), ('b1', 1, 1): D(36000)},
                         self.current('acme.stored'))
        self.ingestor.store([sample('s2', 'acme.stored', 30, 20)])
        self.closer.run(until=T0 + 3 * HOUR)
        self.assertEqual({('b1', 0, 2): D(10 * 1800 + 20 * 1800),
                          ('b1', 1, 2): D(20 * 3600),
                          ('b1', 2, 1): D(20 * 1800)},
                         self.current('acme.stored'))

    def test_late_sample_in_an_open_window_is_no_correction(self):
        self.ingestor.store([sample('e1', 'acme.egress', 5, 4)])
        self.closer.run(until=T0 + HOUR)
        self.ingestor.store([sample('e2', 'acme.egress', 65, 6)])
        self.closer.run(until=T0 + 2 * HOUR)
        self.assertEqual({('b1', 0, 1): D(4), ('b1', 1, 1): D(6)},
                         self.current('acme.egress'))

    def test_arrival_order_does_not_matter(self):
        evs = [sample('r%d' % i, 'acme.requests', 17 * i, v)
               for i, v in enumerate([5, 40, 41, 3, 90, 90, 120, 7, 8])]
        evs += [sample('s%d' % i, 'acme.stored', 23 * i, v)
                for i, v in enumerate([5, 0, 70, 3, 9])]
        self.ingestor.store(evs)
        self.closer.run(until=T0 + 4 * HOUR)
        expected = self.settled()
        # The resets to 3 and to 7 start new series: baselines.
        self.assertEqual(D(35 + 1 + 0 + 87 + 0 + 30 + 0 + 1),
                         sum(expected['acme.requests'].values()))
        # Another store gets the same events shuffled, in small batches,
        # closing windows as it goes: late samples become corrections.
        self.connection = db_api.get_connection(
            self.conf, url='sqlite:///%s/other.sqlite' % self.tempdir)
        self.connection.upgrade()
        self.addCleanup(self.connection.dispose)
        self.setUp_closer()
        rng = random.Random(5)
        rng.shuffle(evs)
        for i in range(0, len(evs), 4):
            self.ingestor.store(evs[i:i + 4])
            self.closer.run(until=T0 + 4 * HOUR)
        self.assertEqual(expected, self.settled())
        self.assertTrue(any(r.revision > 1 for r in
                            self.connection.current_records()))

    def settled(self):
        return {meter: {k[:2]: v for k, v in self.current(meter).items()}
                for meter in ('acme.requests', 'acme.stored')}
