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
"""Corrections without SQL: voids, new ends and starts, re-meters.

A correction is asked for with a reason and kept, with who asked and
when, as its audit trail (db/api.py: add_correction). Applying it stores
events of provenance 'correction' whose message_id is the correction's
id, through the same ingest as every other event. Nothing is edited:

- a void names the event it withdraws, and the resource is folded again
  from its whole history without it;
- a new end is a delete at that time, with the deletes that ended the
  life before voided;
- a new start is a create at that time; a later start voids the events
  of the life before it.

The fold orders events by event time, so the result does not depend on
when the correction comes; the window closer then re-closes the windows
whose usage changed and the sinks get their next revisions, under the
same record ids.

Event ids come from the correction's id and what each event is for, so
applying a correction again, after a crash between its events and its
outcome, stores nothing twice.
"""

import dataclasses

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.engine import ingest
from scs_metering.engine import timeline
from scs_metering import events as ev

LOG = log.getLogger(__name__)


class CorrectionError(ValueError):
    """A correction that cannot apply, with the reason an operator reads."""


def _event(correction, role, action, time, snapshot, **fields):
    return ev.Event(
        id=ev.stable_id(ev.CORRECTION, correction.id, role),
        resource_type=fields.pop('resource_type', correction.resource_type),
        resource_id=fields.pop('resource_id', correction.resource_id),
        action=action, time=time, project_id=snapshot.project_id,
        user_id=snapshot.user_id, attributes=dict(snapshot.attributes),
        provenance=ev.CORRECTION, event_type='correction.%s' %
        correction.kind, message_id=correction.id, **fields)


def _lives(history):
    """The resource's lives: lists of contiguous periods, in time order."""
    closed, state = timeline.fold(history)
    lives = []
    for period in timeline.periods_of(closed, state):
        if lives and lives[-1][-1].end == period.start:
            lives[-1].append(period)
        else:
            lives.append([period])
    return lives


def _snapshot_at(life, when):
    """The snapshot in force at ``when``, or the life's nearest one."""
    for period in life:
        if period.covers(when):
            return period.snapshot
    return life[0].snapshot if when < life[0].start else life[-1].snapshot


def _history(connection, correction):
    """A resource's events, less those of this correction itself.

    Planned again after a crash, the correction then sees what it saw
    the first time, and makes the same events.
    """
    found = [e for e in connection.resource_events(
        correction.resource_type, correction.resource_id)
        if not (e.provenance == ev.CORRECTION and
                e.message_id == correction.id)]
    lifecycle = [e for e in found if e.action != ev.SAMPLE]
    if not lifecycle:
        raise CorrectionError('%s %s has no lifecycle events to correct' % (
            correction.resource_type, correction.resource_id))
    return lifecycle


def _voids(correction, targets):
    return [_event(correction, 'void:%s' % e.id, ev.VOID, e.time,
                   models.Snapshot(e.project_id, e.user_id,
                                   ((ev.VOIDS, e.id),))) for e in targets]


def plan_void(connection, correction):
    target = connection.event(correction.event_id)
    if target is None:
        raise CorrectionError('no event has id %s' % correction.event_id)
    if target.action == ev.VOID:
        raise CorrectionError('event %s is a void itself; void the event '
                              'it restored instead' % target.id)
    correction = dataclasses.replace(
        correction, resource_type=target.resource_type,
        resource_id=target.resource_id)
    if target.action == ev.SAMPLE:
        return correction, _void_sample(connection, correction, target)
    history = _history(connection, correction)
    if target.id in timeline.voided(history):
        raise CorrectionError('event %s is voided already' % target.id)
    return correction, _voids(correction, [target])


def _void_sample(connection, correction, target):
    """The void of a gauge, counter or delta sample.

    It carries the sample's meter, time and volume: the samples a window
    reads leave out those a void matches so (db/sqlalchemy/sample_reads),
    and its time marks the resource's usage to close again from there, as
    a late sample would. No timeline changes.
    """
    voided = {e.attributes.get(ev.VOIDS) for e in connection.resource_events(
        target.resource_type, target.resource_id) if e.action == ev.VOID}
    if target.id in voided:
        raise CorrectionError('event %s is voided already' % target.id)
    return [_event(correction, 'void:%s' % target.id, ev.VOID, target.time,
                   models.Snapshot(target.project_id, target.user_id,
                                   ((ev.VOIDS, target.id),)),
                   meter=target.meter, volume=target.volume)]


def _life_at(lives, when, correction):
    """The index of the last life that began before ``when``."""
    before = [i for i, life in enumerate(lives) if life[0].start < when]
    if not before:
        raise CorrectionError('%s %s has no life before %s' % (
            correction.resource_type, correction.resource_id,
            when.isoformat()))
    return before[-1]


def _when(correction):
    when = correction.time
    if when > timeutils.utcnow():
        raise CorrectionError('%s is in the future: a correction says what '
                              'happened' % when.isoformat())
    return when


def plan_end(connection, correction):
    """End the last life begun before the new end at that time."""
    when = _when(correction)
    history = _history(connection, correction)
    lives = _lives(history)
    index = _life_at(lives, when, correction)
    life = lives[index]
    if life[-1].end == when:
        raise CorrectionError('the life that began at %s ends at %s '
                              'already' % (life[0].start.isoformat(),
                                           when.isoformat()))
    withdrawn = timeline.voided(history)
    deletes = [e for e in history
               if e.action == ev.DELETE and e.id not in withdrawn and
               e.time >= life[0].start]
    if index + 1 < len(lives):
        after = lives[index + 1][0].start
        deletes = [e for e in deletes if e.time < after]
    return correction, _voids(correction, deletes) + [
        _event(correction, 'end', ev.DELETE, when,
               _snapshot_at(life, when))]


def plan_start(connection, correction):
    """Move the start of the life holding, or next after, the new start."""
    when = _when(correction)
    history = _history(connection, correction)
    lives = _lives(history)
    later = [i for i, life in enumerate(lives)
             if life[-1].end is None or life[-1].end > when]
    if not later:
        raise CorrectionError('%s %s has no life after %s' % (
            correction.resource_type, correction.resource_id,
            when.isoformat()))
    life = lives[later[0]]
    start = life[0].start
    if start == when:
        raise CorrectionError('the life starts at %s already' %
                              when.isoformat())
    voided = []
    if start < when:
        # What the life did before its true start did not happen.
        withdrawn = timeline.voided(history)
        voided = [e for e in history
                  if e.action != ev.VOID and e.id not in withdrawn and
                  start <= e.time < when]
    return correction, _voids(correction, voided) + [
        _event(correction, 'start', ev.CREATE, when,
               _snapshot_at(life, when))]


def plan_remeter(convert, correction):
    """The events of an edited message, as the correction's own."""
    outcome = convert(correction.message)
    if isinstance(outcome, str):
        raise CorrectionError('the edited message does not meter: %s' %
                              outcome)
    if not outcome:
        raise CorrectionError('the edited message makes no event')
    return correction, [
        dataclasses.replace(
            e, provenance=ev.CORRECTION, message_id=correction.id,
            id=ev.stable_id(ev.CORRECTION, correction.id, e.id))
        for e in outcome]


class Corrector:
    """Applies corrections: the engine's pending ones, or one at once.

    ``convert`` turns an edited message into events, or into the reason
    it does not meter; without one, re-meters stay pending for a
    corrector that has it.
    """

    def __init__(self, connection, convert=None, guard=None):
        self.connection = connection
        self.convert = convert
        # The services' input guards (definitions/guards.py): a correction
        # is bounded in time as a notification is, so that no typo opens
        # windows back to 1970.
        self.guard = guard
        self.ingestor = ingest.Ingestor(connection)

    def _plan(self, correction):
        if correction.kind == models.VOID:
            planned = plan_void(self.connection, correction)
        elif correction.kind == models.END:
            planned = plan_end(self.connection, correction)
        elif correction.kind == models.START:
            planned = plan_start(self.connection, correction)
        else:
            planned = plan_remeter(self.convert, correction)
        for event in planned[1] if self.guard else ():
            found = self.guard.reason(event)
            if found:
                raise CorrectionError(found)
        return planned

    def apply(self, correction):
        """Apply one correction; return it as finished."""
        try:
            _correction, planned = self._plan(correction)
        except CorrectionError as exc:
            LOG.warning('Correction %s failed: %s', correction.id, exc)
            self.connection.finish_correction(correction.id,
                                              models.FAILED, error=str(exc))
        else:
            self.ingestor.store(planned)
            if correction.quarantine_id is not None:
                self.connection.purge_quarantine(
                    ids=[correction.quarantine_id])
            self.connection.finish_correction(
                correction.id, models.APPLIED, [e.id for e in planned])
            LOG.info('Correction %s (%s) applied: %d events', correction.id,
                     correction.kind, len(planned))
        return self.connection.correction(correction.id)

    def apply_pending(self, limit=100):
        """Apply the pending corrections, oldest first; how many."""
        done = 0
        for correction in self.connection.corrections(
                limit=limit, status=models.PENDING):
            if correction.kind == models.REMETER and self.convert is None:
                continue
            self.apply(correction)
            done += 1
        return done
