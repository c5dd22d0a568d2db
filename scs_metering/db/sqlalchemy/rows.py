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
"""Conversions between rows and the values of db/api_models.py, both ways.

Every mapper of the driver is here, so that a column added to a table is
read and written in one place.
"""

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering import events

from_db = timeutils.from_db
to_db = timeutils.to_db

# Keys per IN list or statement of a bulk read or write.
CHUNK = 500


def chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def resource(row):
    return api_models.ResourceState(
        pk=row.id, resource_type=row.resource_type,
        resource_id=row.resource_id, project_id=row.project_id,
        user_id=row.user_id, active=row.active,
        started_at=from_db(row.started_at), ended_at=from_db(row.ended_at),
        attributes=row.attributes,
        first_event_at=from_db(row.first_event_at),
        last_event_at=from_db(row.last_event_at),
        last_event_key=row.last_event_key,
        dirty_from=from_db(row.dirty_from), dirty_gen=row.dirty_gen)


def resource_report(row):
    """A resource as the API shows it, without its periods."""
    return {
        'resource_type': row.resource_type, 'resource_id': row.resource_id,
        'project_id': row.project_id, 'user_id': row.user_id,
        'active': row.active, 'started_at': from_db(row.started_at),
        'ended_at': from_db(row.ended_at),
        'attributes': row.attributes or {},
        'first_event_at': from_db(row.first_event_at),
        'last_event_at': from_db(row.last_event_at),
        'last_seen_at': from_db(row.last_seen_at),
        'missing_since': from_db(row.missing_since),
    }


def tracked(row):
    """A api_models.Tracked of a row of reconciliation.TRACKED_COLUMNS."""
    (pk, resource_id, active, project_id, user_id, attributes, started_at,
     ended_at, first, last_event_at, last_seen_at, missing_since) = row
    found = api_models.Tracked(
        pk=pk, resource_id=resource_id, active=active,
        project_id=project_id, user_id=user_id, attributes=attributes,
        started_at=from_db(started_at), ended_at=from_db(ended_at),
        last_event_at=from_db(last_event_at),
        last_seen_at=from_db(last_seen_at),
        missing_since=from_db(missing_since))
    first = from_db(first)
    if found.started_at is not None and first is not None and (
            first > found.started_at):
        # One life, backdated from its first event.
        found.first_known, found.opened_by_create = first, False
    else:
        # Opened by a create or by an event at its own start (nova's
        # resize moves launched_at to its time), or several lives.
        found.first_known = None
    return found


def event(row, resource_type, resource_id):
    return events.Event(
        id=row.id, resource_type=resource_type, resource_id=resource_id,
        action=row.action, time=from_db(row.event_time),
        project_id=row.project_id, user_id=row.user_id,
        started_at=from_db(row.started_at), attributes=row.attributes or {},
        meter=row.meter, volume=row.volume, provenance=row.provenance,
        time_min=from_db(row.time_min), time_max=from_db(row.time_max),
        event_type=row.event_type, message_id=row.message_id,
        publisher_id=row.publisher_id)


def event_values(event, resource_pk, received_at):
    return {
        'id': event.id, 'resource_pk': resource_pk, 'action': event.action,
        'event_time': to_db(event.time), 'started_at': to_db(event.started_at),
        'project_id': event.project_id, 'user_id': event.user_id,
        'attributes': event.attributes, 'meter': event.meter,
        'volume': event.volume, 'provenance': event.provenance,
        'time_min': to_db(event.time_min), 'time_max': to_db(event.time_max),
        'event_type': event.event_type, 'message_id': event.message_id,
        'publisher_id': event.publisher_id,
        'received_at': to_db(received_at),
    }


def _snapshot(row):
    return api_models.Snapshot(row.project_id, row.user_id,
                               tuple(sorted(row.attributes.items())))


# The periods columns usage_period reads.
USAGE_PERIOD_COLUMNS = ('resource_pk', 'started_at', 'ended_at',
                        'project_id', 'user_id', 'attributes', 'provenance')


def usage_period(row):
    """A period without its events and bounds, which usage never reads."""
    return api_models.Period(
        start=from_db(row.started_at), end=from_db(row.ended_at),
        snapshot=_snapshot(row), provenance=row.provenance)


def period(row):
    return api_models.Period(
        start=from_db(row.started_at), end=from_db(row.ended_at),
        snapshot=_snapshot(row),
        provenance=row.provenance, start_event_id=row.start_event_id,
        end_event_id=row.end_event_id, start_min=from_db(row.start_min),
        start_max=from_db(row.start_max), end_min=from_db(row.end_min),
        end_max=from_db(row.end_max))


def period_report(row):
    """A period as the API shows it."""
    return {
        'started_at': from_db(row.started_at),
        'ended_at': from_db(row.ended_at),
        'state': row.state, 'project_id': row.project_id,
        'user_id': row.user_id, 'attributes': row.attributes,
        'provenance': row.provenance, 'start_min': from_db(row.start_min),
        'start_max': from_db(row.start_max), 'end_min': from_db(row.end_min),
        'end_max': from_db(row.end_max),
        # The events that opened and closed it: what a void names.
        'start_event_id': row.start_event_id,
        'end_event_id': row.end_event_id,
    }


def period_values(period, resource_pk):
    snapshot = period.snapshot
    return {
        'resource_pk': resource_pk, 'started_at': to_db(period.start),
        'ended_at': to_db(period.end), 'state': snapshot.state,
        'project_id': snapshot.project_id, 'user_id': snapshot.user_id,
        'attributes': dict(snapshot.attributes),
        'provenance': period.provenance,
        'start_event_id': period.start_event_id,
        'end_event_id': period.end_event_id,
        'start_min': to_db(period.start_min),
        'start_max': to_db(period.start_max),
        'end_min': to_db(period.end_min), 'end_max': to_db(period.end_max),
    }


def _replaces(row):
    return row.revision - 1 if row.revision > 1 else None


def usage_record(row):
    return api_models.Record(
        id=row.id, meter=row.meter, unit=row.unit,
        resource_type=row.resource_type, resource_id=row.resource_id,
        project_id=row.project_id, user_id=row.user_id,
        window_start=from_db(row.window_start),
        window_end=from_db(row.window_end),
        attributes=row.attributes, quantity=row.quantity,
        provenance=row.provenance, revision=row.revision,
        replaces=_replaces(row), created_at=from_db(row.created_at))


def record_values(record, resource_pk, revision, created_at):
    return {
        'id': record.id, 'revision': revision, 'current': True,
        'meter': record.meter, 'unit': record.unit,
        'resource_pk': resource_pk, 'resource_type': record.resource_type,
        'resource_id': record.resource_id, 'project_id': record.project_id,
        'user_id': record.user_id, 'window_start': to_db(record.window_start),
        'window_end': to_db(record.window_end),
        'attributes': record.attributes_json or record.attributes,
        'quantity': record.quantity, 'provenance': record.provenance,
        'created_at': to_db(created_at),
    }


def lifecycle_record(row):
    return api_models.LifecycleRecord(
        id=row.id, kind=row.kind, resource_type=row.resource_type,
        resource_id=row.resource_id, project_id=row.project_id,
        user_id=row.user_id, time=from_db(row.occurred_at),
        time_min=from_db(row.time_min), time_max=from_db(row.time_max),
        attributes=row.attributes, provenance=row.provenance,
        voided=row.voided, revision=row.revision, replaces=_replaces(row),
        created_at=from_db(row.created_at))


def lifecycle_values(record, resource_pk, revision, created_at):
    return {
        'id': record.id, 'revision': revision, 'current': True,
        'kind': record.kind, 'voided': record.voided,
        'resource_pk': resource_pk, 'resource_type': record.resource_type,
        'resource_id': record.resource_id, 'project_id': record.project_id,
        'user_id': record.user_id, 'occurred_at': to_db(record.time),
        'time_min': to_db(record.time_min), 'time_max': to_db(record.time_max),
        'attributes': record.attributes, 'provenance': record.provenance,
        'created_at': to_db(created_at),
    }


def outbox_entry(row):
    return {
        'id': row.id, 'sink_id': row.sink_id, 'kind': row.kind,
        'record_id': row.record_id, 'revision': row.revision,
        'state': row.state, 'attempts': row.attempts,
        'created_at': from_db(row.created_at),
        'next_attempt_at': from_db(row.next_attempt_at),
        'last_error': row.last_error, 'answer': row.answer,
        'dead_at': from_db(row.dead_at),
    }


def quarantined(row):
    return {
        'id': row.id, 'received_at': from_db(row.received_at),
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
