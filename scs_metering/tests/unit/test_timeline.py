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
import dataclasses
import datetime
import itertools
import random

from scs_metering.engine import timeline
from scs_metering import events as ev
from scs_metering.tests import base

T0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def event(eid, action, minute, state='active', flavor='m1.small',
          started=None, project='p1'):
    return ev.Event(id=eid, resource_type='instance', resource_id='vm',
                    action=action, time=at(minute), project_id=project,
                    user_id='u', started_at=started,
                    attributes={'state': state, 'flavor_name': flavor})


def spans(periods):
    return [((p.start - T0) // datetime.timedelta(minutes=1),
             None if p.end is None
             else (p.end - T0) // datetime.timedelta(minutes=1),
             p.snapshot.state, dict(p.snapshot.attributes)['flavor_name'])
            for p in periods]


def derive(events):
    return timeline.periods_of(*timeline.fold(events))


class FoldTest(base.TestCase):

    def test_first_hand_evidence_wins_at_equal_times(self):
        # A reconciliation's create dated by the API carries the state of a
        # later listing; the create notification of the same moment knows
        # the state at creation. Whatever the ids, the notification wins.
        for inferred, told in (('a', 'b'), ('b', 'a')):
            listed = dataclasses.replace(
                event(inferred, ev.CREATE, 0, flavor='m1.large'),
                provenance=ev.RECONCILIATION, time_min=at(0),
                time_max=at(0))
            gone = dataclasses.replace(
                event(inferred + 'd', ev.DELETE, 50, state='deleted'),
                provenance=ev.RECONCILIATION, time_min=at(40),
                time_max=at(70))
            evs = [listed, event(told, ev.CREATE, 0),
                   event(told + 'u', ev.UPDATE, 20, flavor='m1.large'),
                   gone, event(told + 'd', ev.DELETE, 50, state='deleted')]
            periods = derive(evs)
            self.assertEqual([(0, 20, 'active', 'm1.small'),
                              (20, 50, 'active', 'm1.large')],
                             spans(periods))
            # The notified end, exact, not the inferred one.
            self.assertEqual((None, None), (periods[-1].end_min,
                                            periods[-1].end_max))

    def test_create_resize_delete(self):
        periods = derive([
            event('a', ev.CREATE, 0),
            event('b', ev.UPDATE, 60, state='resized', flavor='m1.medium'),
            event('c', ev.UPDATE, 62, flavor='m1.medium'),
            event('d', ev.DELETE, 120, state='deleted', flavor='m1.medium'),
        ])
        self.assertEqual([(0, 60, 'active', 'm1.small'),
                          (60, 62, 'resized', 'm1.medium'),
                          (62, 120, 'active', 'm1.medium')],
                         spans(periods))

    def test_delete_before_create_gives_the_same_life(self):
        create, delete = (event('a', ev.CREATE, 0),
                          event('z', ev.DELETE, 20, state='deleted'))
        self.assertEqual(derive([create, delete]), derive([delete, create]))
        self.assertEqual([(0, 20, 'active', 'm1.small')],
                         spans(derive([delete, create])))

    def test_missed_create_starts_at_launch_time(self):
        periods = derive([event('b', ev.UPDATE, 30, started=at(5))])
        self.assertEqual([(5, None, 'active', 'm1.small')], spans(periods))

    def test_delete_alone_tells_the_life(self):
        periods = derive([event('z', ev.DELETE, 30, state='deleted',
                                started=at(10))])
        self.assertEqual([(10, 30, 'deleted', 'm1.small')], spans(periods))

    def test_stale_snapshot_after_delete_is_ignored(self):
        periods = derive([event('a', ev.CREATE, 0),
                          event('z', ev.DELETE, 10, state='deleted'),
                          event('b', ev.UPDATE, 11)])
        self.assertEqual([(0, 10, 'active', 'm1.small')], spans(periods))

    def test_recreated_under_the_same_id_is_a_new_life(self):
        periods = derive([event('a', ev.CREATE, 0),
                          event('z', ev.DELETE, 10, state='deleted'),
                          event('c', ev.CREATE, 30, flavor='m1.large')])
        self.assertEqual([(0, 10, 'active', 'm1.small'),
                          (30, None, 'active', 'm1.large')], spans(periods))

    def test_two_resizes_out_of_order(self):
        evs = [event('a', ev.CREATE, 0),
               event('b', ev.UPDATE, 10, flavor='m1.medium'),
               event('c', ev.UPDATE, 20, flavor='m1.large')]
        for order in itertools.permutations(evs):
            self.assertEqual([(0, 10, 'active', 'm1.small'),
                              (10, 20, 'active', 'm1.medium'),
                              (20, None, 'active', 'm1.large')],
                             spans(derive(order)))

    def test_duplicates_change_nothing(self):
        evs = [event('a', ev.CREATE, 0),
               event('b', ev.UPDATE, 5, state='paused')]
        self.assertEqual(derive(evs), derive(evs + evs))

    def test_continuing_a_fold_equals_one_fold(self):
        rng = random.Random(42)
        for _ in range(200):
            evs = _random_history(rng)
            cut = rng.randrange(len(evs) + 1)
            ordered = sorted(evs, key=timeline.order_key)
            closed, state = timeline.fold(ordered[:cut])
            more, state = timeline.fold(ordered[cut:], state)
            self.assertEqual(derive(evs),
                             timeline.periods_of(closed + more, state))

    def test_any_arrival_order_gives_the_same_periods(self):
        rng = random.Random(7)
        for _ in range(200):
            evs = _random_history(rng)
            shuffled = list(evs)
            rng.shuffle(shuffled)
            self.assertEqual(derive(evs), derive(shuffled))


def _random_history(rng):
    actions = [ev.CREATE, ev.UPDATE, ev.UPDATE, ev.EXISTS, ev.DELETE]
    evs = []
    for i in range(rng.randrange(1, 12)):
        action = rng.choice(actions)
        started = at(rng.randrange(0, 50)) if rng.random() < 0.3 else None
        evs.append(event('e%02d' % i, action, rng.randrange(0, 60),
                         state=rng.choice(['active', 'paused', 'stopped']),
                         flavor=rng.choice(['m1.small', 'm1.large']),
                         started=started))
    return evs


class FirstDifferenceTest(base.TestCase):

    def test_identical(self):
        periods = derive([event('a', ev.CREATE, 0)])
        self.assertIsNone(timeline.first_difference(periods, periods))

    def test_earliest_divergence(self):
        old = derive([event('a', ev.CREATE, 0)])
        new = derive([event('a', ev.CREATE, 0),
                      event('b', ev.UPDATE, 30, state='paused')])
        self.assertEqual(at(30), timeline.first_difference(old, new))

    def test_backfilled_start(self):
        old = derive([event('b', ev.UPDATE, 30)])
        new = derive([event('b', ev.UPDATE, 30), event('a', ev.CREATE, 10)])
        self.assertEqual(at(10), timeline.first_difference(old, new))
