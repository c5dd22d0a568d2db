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
"""Conversions between rows and the engine's own types."""

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.engine import timeline
from scs_metering.engine import usage
from scs_metering import events

# Outbox entry states.
PENDING = 'pending'
DELIVERED = 'delivered'
DEAD = 'dead'
# Not a state: the outcome of a failed attempt that will be retried.
RETRY = 'retry'

_t = timeutils.from_db
_db = timeutils.to_db


def chunks(items, size):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def resource(row):
    return api.ResourceState(
        pk=row.id, resource_type=row.resource_type,
        resource_id=row.resource_id, project_id=row.project_id,
        user_id=row.user_id, active=row.active,
        started_at=_t(row.started_at), ended_at=_t(row.ended_at),
        attributes=row.attributes, first_event_at=_t(row.first_event_at),
        last_event_at=_t(row.last_event_at),
        last_event_key=row.last_event_key,
        dirty_from=_t(row.dirty_from), dirty_gen=row.dirty_gen)


def event(row, resource_type, resource_id):
    return events.Event(
        id=row.id, resource_type=resource_type, resource_id=resource_id,
        action=row.action, time=_t(row.event_time),
        project_id=row.project_id, user_id=row.user_id,
        started_at=_t(row.started_at), attributes=row.attributes or {},
        meter=row.meter, volume=row.volume, provenance=row.provenance,
        time_min=_t(row.time_min), time_max=_t(row.time_max),
        event_type=row.event_type, message_id=row.message_id,
        publisher_id=row.publisher_id)


def event_values(event, resource_pk, received_at):
    return {
        'id': event.id, 'resource_pk': resource_pk, 'action': event.action,
        'event_time': _db(event.time), 'started_at': _db(event.started_at),
        'project_id': event.project_id, 'user_id': event.user_id,
        'attributes': event.attributes, 'meter': event.meter,
        'volume': event.volume, 'provenance': event.provenance,
        'time_min': _db(event.time_min), 'time_max': _db(event.time_max),
        'event_type': event.event_type, 'message_id': event.message_id,
        'publisher_id': event.publisher_id,
        'received_at': _db(received_at),
    }


def _snapshot(row):
    return timeline.Snapshot(row.project_id, row.user_id,
                             tuple(sorted(row.attributes.items())))


# The periods columns usage_period reads.
USAGE_PERIOD_COLUMNS = ('resource_pk', 'started_at', 'ended_at',
                        'project_id', 'user_id', 'attributes', 'provenance')


def usage_period(row):
    """A period without its events and bounds, which usage never reads."""
    return timeline.Period(start=_t(row.started_at), end=_t(row.ended_at),
                           snapshot=_snapshot(row),
                           provenance=row.provenance)


def period(row):
    return timeline.Period(
        start=_t(row.started_at), end=_t(row.ended_at),
        snapshot=_snapshot(row),
        provenance=row.provenance, start_event_id=row.start_event_id,
        end_event_id=row.end_event_id, start_min=_t(row.start_min),
        start_max=_t(row.start_max), end_min=_t(row.end_min),
        end_max=_t(row.end_max))


def period_values(period, resource_pk):
    snapshot = period.snapshot
    return {
        'resource_pk': resource_pk, 'started_at': _db(period.start),
        'ended_at': _db(period.end), 'state': snapshot.state,
        'project_id': snapshot.project_id, 'user_id': snapshot.user_id,
        'attributes': dict(snapshot.attributes),
        'provenance': period.provenance,
        'start_event_id': period.start_event_id,
        'end_event_id': period.end_event_id,
        'start_min': _db(period.start_min), 'start_max': _db(period.start_max),
        'end_min': _db(period.end_min), 'end_max': _db(period.end_max),
    }


def usage_record(row):
    return usage.Record(
        id=row.id, meter=row.meter, unit=row.unit,
        resource_type=row.resource_type, resource_id=row.resource_id,
        project_id=row.project_id, user_id=row.user_id,
        window_start=_t(row.window_start), window_end=_t(row.window_end),
        attributes=row.attributes, quantity=row.quantity,
        provenance=row.provenance, revision=row.revision,
        replaces=row.revision - 1 if row.revision > 1 else None,
        created_at=_t(row.created_at))


def record_values(record, resource_pk, revision, created_at):
    return {
        'id': record.id, 'revision': revision, 'current': True,
        'meter': record.meter, 'unit': record.unit,
        'resource_pk': resource_pk, 'resource_type': record.resource_type,
        'resource_id': record.resource_id, 'project_id': record.project_id,
        'user_id': record.user_id, 'window_start': _db(record.window_start),
        'window_end': _db(record.window_end),
        'attributes': record.attributes_json or record.attributes,
        'quantity': record.quantity, 'provenance': record.provenance,
        'created_at': _db(created_at),
    }


def quarantined(row):
    return {
        'id': row.id, 'received_at': _t(row.received_at),
        'service': row.service, 'event_type': row.event_type,
        'publisher_id': row.publisher_id, 'message_id': row.message_id,
        'reason': row.reason, 'raw': row.raw,
    }


def sink(row):
    return {
        'id': row.id, 'name': row.name, 'driver': row.driver,
        'url': row.url, 'format': row.format, 'options': row.options,
        'filters': row.filters, 'secrets': row.secrets,
        'paused': row.paused,
    }
