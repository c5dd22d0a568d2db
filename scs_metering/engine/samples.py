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
"""Usage of gauge, counter and delta meters, from their samples.

Each resource has one series of samples per meter, read in event-time
order, never in arrival order. A window [start, end) gets:

* delta: the sum of the samples timed in it;
* counter: the increments between consecutive readings of a series,
  each counted in the window of the later reading. A resource's first
  reading starts a series, and so does a reading below the previous one
  (a reset): never a negative increment. So does a reading of another
  group (the meter's group_by attributes, such as the instance_id of
  nova's volume counters after a re-attach to another server), even
  above the previous reading: a counter counts for one group. A
  series' first reading follows one rule, the first series' and a later
  one's alike: it is a baseline only, unless
  the meter says ``starts_at_zero``, then it counts in full (the counter
  started from zero with its series). Readings at the same time are
  taken in increasing order, so a repeated reading adds nothing;
* gauge: the integral of the level, held from each sample until the next
  one but at most ``hold`` seconds (step interpolation), in unit times
  seconds; or, with ``aggregate: average``, that integral divided by the
  seconds the window has a known level, rounded half-even to 9 places
  (the storage scale).

A window without usage has no record: a delta or counter window whose
samples add up to nothing, or a gauge window with no known level (a
known level of zero is usage, it counts in the average). Duplicates never
reach this code: the store keeps one event per id.
Provenance counts the seconds of level a gauge window has from each
provenance, and the samples a counter or delta window has from each.
"""

import datetime
import decimal

from scs_metering.definitions import model
from scs_metering.engine import usage

_SCALE = decimal.Decimal('1E-9')


def _order(meter):
    if meter.kind == model.COUNTER:
        return lambda s: (s.time, s.volume, s.id)
    return lambda s: (s.time, s.id)


def _delta(meter, samples, start, end):
    for sample in samples:
        if start <= sample.time < end and sample.volume:
            yield sample, sample.volume, 1


def _group(meter, sample):
    return [sample.attributes.get(name) for name in meter.group_by]


def _counter(meter, samples, start, end):
    previous = None
    for sample in samples:
        if (previous is None or sample.volume < previous.volume or
                _group(meter, sample) != _group(meter, previous)):
            increment = sample.volume if meter.starts_at_zero else 0
        else:
            increment = sample.volume - previous.volume
        if increment and start <= sample.time < end:
            yield sample, increment, 1
        previous = sample


def _gauge(meter, samples, start, end):
    hold = datetime.timedelta(seconds=meter.hold)
    for sample, following in zip(samples, samples[1:] + [None]):
        until = min(end, sample.time + hold)
        if following is not None:
            until = min(until, following.time)
        seconds = int((until - max(start, sample.time)).total_seconds())
        if seconds > 0:
            yield sample, sample.volume * seconds, seconds


_PARTS = {model.DELTA: _delta, model.COUNTER: _counter, model.GAUGE: _gauge}


def _average(integral, provenance):
    with decimal.localcontext() as context:
        context.prec = 80
        average = (integral / sum(provenance.values())).quantize(
            _SCALE, rounding=decimal.ROUND_HALF_EVEN)
    return average.quantize(1) if average == average.to_integral() else (
        average.normalize())


def records(meter, resource_type, resource_id, samples, start, end):
    """Records of one resource in one window.

    ``samples`` must hold the resource's samples in the window and, for
    counters and gauges, the latest ones before it.
    """
    groups = usage.Groups(meter)
    for sample, quantity, weight in _PARTS[meter.kind](
            meter, sorted(samples, key=_order(meter)), start, end):
        groups.add(sample.project_id, sample.user_id, sample.attributes,
                   quantity, sample.provenance, weight)
    average = meter.kind == model.GAUGE and meter.aggregate == 'average'
    return groups.records(resource_type, resource_id, start, end,
                          _average if average else None)


def _query(tx, meter, resource_type, start, end, pks=None):
    """Samples a meter needs for [start, end), by resource."""
    if meter.kind == model.DELTA:
        since, before = start, False
    elif meter.kind == model.GAUGE:
        since, before = start - datetime.timedelta(seconds=meter.hold), True
    else:
        since, before = None, True
    return tx.samples(resource_type, meter.samples_of, start, end,
                      since=since, before=before, pks=pks)


def window_records(tx, meter, resource_type, start, end):
    """(record, resource pk, None) for every resource in one window."""
    return [(record, resource.pk, None)
            for resource, samples in _query(tx, meter, resource_type, start,
                                            end)
            for record in records(meter, resource_type,
                                  resource.resource_id, samples, start, end)]


def resource_records(tx, meter, resources, windows):
    """Fresh records of resources over consecutive windows, by resource pk.

    ``windows`` is a list of (start, end); used to correct closed windows.
    """
    found = {r.pk: {} for r in resources}
    if not windows or not resources:
        return found
    resource_type = resources[0].resource_type
    for resource, samples in _query(tx, meter, resource_type, windows[0][0],
                                    windows[-1][1],
                                    pks=[r.pk for r in resources]):
        for start, end in windows:
            for record in records(meter, resource_type,
                                  resource.resource_id, samples, start, end):
                found[resource.pk][record.id] = record
    return found


def earliest(tx, meter, resource_type):
    return tx.earliest_sample(resource_type, meter.samples_of)
