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
"""Usage records of one resource in one window, in exact integers."""

import decimal
import hashlib
import json

from scs_metering.common import jsonutils
from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering import events as ev


# json.dumps(value, sort_keys=True), without building an encoder per call.
_sorted_json = json.JSONEncoder(sort_keys=True).encode


def record_id(meter, resource_type, resource_id, window_start, group,
              user_id=None):
    """The id of a new usage record: everything its window is grouped by.

    ``group`` holds the meter's group_by attributes and the project. The
    user is a part of its own, so that two users of one project (two
    users writing to one Swift account, a volume transferred within the
    hour) are two records, never one id. Records stored before the user
    was a part keep the id they were delivered under: the closer matches
    a correction to its stored record by content (identity below), not by
    id.
    """
    return record_ids(meter, resource_type, window_start, group,
                      user_id)(resource_id)


def record_ids(meter, resource_type, window_start, group, user_id=None):
    """record_id as a function of the resource id, the rest hashed once."""
    return ev.stable_ids(('usage', meter, resource_type), (
        timeutils.isoformat(window_start), _sorted_json(group),
        _sorted_json(user_id)))


def identity(record):
    """What a usage record stands for within its resource and meter.

    A window, an owner and a group; revisions of a record share it, so a
    correction finds the stored record it replaces by identity, whatever
    rule made that record's id.
    """
    return (record.window_start, record.project_id or '',
            record.user_id or '',
            jsonutils.canonical_json(record.attributes))


def group_key(record):
    """SHA-256 of a record's owner and group: what a parked group is.

    With the record's window and meter it names the group of records
    the window closer parks when the database refuses them.
    """
    return hashlib.sha256('\0'.join(identity(record)[1:]).encode(
    )).hexdigest()


def _volume(meter, attributes):
    if isinstance(meter.volume, int):
        return meter.volume
    value = attributes.get(meter.volume)
    if value is None:
        return None
    return decimal.Decimal(value)


class Groups:
    """Quantities of one resource in one window, summed per owner and group.

    Each part also adds its weight to its provenance: the seconds, or the
    samples, of the window that provenance backs.
    """

    def __init__(self, meter):
        self.meter = meter
        self._groups = {}

    def add(self, project_id, user_id, attributes, quantity, provenance,
            weight):
        group = {name: attributes.get(name) for name in self.meter.group_by}
        # Encoded once: the group key, then the stored attributes and the
        # rollup's hash of them.
        text = jsonutils.Encoded(jsonutils.canonical_json(group))
        key = (project_id or '', user_id or '', text)
        entry = self._groups.get(key)
        if entry is None:
            entry = self._groups[key] = {
                'owner': (project_id, user_id), 'group': group,
                'quantity': 0, 'provenance': {}}
        entry['quantity'] += quantity
        entry['provenance'][provenance] = (
            entry['provenance'].get(provenance, 0) + weight)

    def records(self, resource_type, resource_id, window_start, window_end,
                finish=None):
        """The records; ``finish`` turns a group's sum into its quantity."""
        meter, records = self.meter, []
        for key, entry in sorted(self._groups.items()):
            project_id, user_id = entry['owner']
            group = dict(entry['group'], project_id=project_id)
            quantity = decimal.Decimal(entry['quantity'])
            records.append(models.Record(
                id=record_id(meter.name, resource_type, resource_id,
                             window_start, group, user_id),
                meter=meter.name, unit=meter.unit,
                resource_type=resource_type, resource_id=resource_id,
                project_id=project_id, user_id=user_id,
                window_start=window_start, window_end=window_end,
                attributes=entry['group'],
                quantity=finish(quantity, entry['provenance'])
                if finish else quantity,
                provenance=entry['provenance'], attributes_json=key[2]))
        return records


def lifecycle_records(meter, resource_type, resource_id, periods,
                      window_start, window_end):
    """Records of a lifecycle meter: seconds times volume, by group.

    Periods in a state the meter does not bill, or without the attribute
    that gives the volume, yield nothing.
    """
    groups = Groups(meter)
    for period in periods:
        start = max(period.start, window_start)
        end = (window_end if period.end is None
               else min(period.end, window_end))
        seconds = int((end - start).total_seconds())
        if seconds <= 0:
            continue
        attributes = dict(period.snapshot.attributes)
        if not meter.billable(attributes.get('state')):
            continue
        volume = _volume(meter, attributes)
        if volume is None:
            continue
        groups.add(period.snapshot.project_id, period.snapshot.user_id,
                   attributes, seconds * volume, period.provenance, seconds)
    return groups.records(resource_type, resource_id, window_start,
                          window_end)


def plain_group(meter, resource_type, window_start, window_end):
    """The record of a period spanning a whole window, by its group.

    Returns the ``group_of`` of WindowTransaction.add_plain_records: a
    function of a period's owner, attributes and provenance giving the
    record lifecycle_records makes of it alone (its resource id left out)
    and the record id as a function of the resource id, or None when the
    meter bills nothing for it. The same rules, so the same records.
    """
    def group_of(project_id, user_id, attributes, provenance):
        period = models.Period(
            start=window_start, end=None, provenance=provenance,
            snapshot=models.Snapshot(project_id, user_id,
                                     tuple(sorted(attributes.items()))))
        records = lifecycle_records(meter, resource_type, None, [period],
                                    window_start, window_end)
        if not records:
            return None
        record, = records
        return record, record_ids(
            meter.name, resource_type, window_start,
            dict(record.attributes, project_id=record.project_id),
            record.user_id)
    return group_of
