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
"""What a resilience run must show once everything has settled.

Each check reads what the billing system received (the webhook's
documents) or what the store holds, compares it with what the simulated
cloud did (its ground truth, its bus) and returns figures and failures.
"""

import collections
import datetime
import decimal
import hashlib
import json

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db.sqlalchemy import models
from scs_metering.tests.simulator import cloud as sim_cloud
from scs_metering.tests import webhook

# Failures listed in a report, at most, per check.
SHOWN = 20


class Receiver(webhook.Webhook):
    """The billing system behind the http sink.

    Keeps a digest of every record revision it was sent, in any request,
    answered or not, and the fields of usage records that sum to a bill.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.digests = {}
        self.arrivals = collections.Counter()
        self.conflicts = []
        self.usage = {}

    def received(self, documents):
        with self.lock:
            for document in documents:
                key = (document['id'], document['revision'])
                digest = hashlib.sha256(json.dumps(
                    document, sort_keys=True).encode()).hexdigest()
                if self.digests.setdefault(key, digest) != digest:
                    self.conflicts.append(key)
                self.arrivals[key] += 1
                if document['kind'] == 'usage':
                    self.usage[key] = (
                        document['resource_type'], document['resource_id'],
                        document['project_id'], document['meter'],
                        timeutils.parse(document['window_start']),
                        decimal.Decimal(document['quantity']))

    def bill(self):
        """The latest delivered revision of every usage record."""
        latest = {}
        for (record_id, revision), fields in self.usage.items():
            if (record_id, revision) not in self.delivered:
                continue
            if latest.get(record_id, (0,))[0] < revision:
                latest[record_id] = (revision, fields)
        return [fields for _revision, fields in latest.values()]


class Result:
    """Figures and failures of one check, and what explains them."""

    def __init__(self, name):
        self.name = name
        self.figures = {}
        self.failures = []
        self.details = []

    def fail(self, what, items=()):
        items = list(items)
        self.failures.append('%s%s' % (what, (': %d, e.g. %r' % (
            len(items), items[:SHOWN])) if items else ''))

    def __str__(self):
        return '%s: %s%s' % (
            self.name, 'FAILED' if self.failures else 'ok',
            ''.join('\n    ' + f for f in self.failures))


def _rows(connection, query):
    with connection._reader() as session:
        return session.execute(query).all()


def no_loss(connection, notifier):
    """Every notification on the bus became an event."""
    result = Result('every notification sent became an event')
    sent = {m['message_id'] for m in notifier.sent}
    stored = {r[0] for r in _rows(connection, sa.select(
        models.Event.message_id).where(
        models.Event.provenance == 'notification'))}
    result.figures.update(sent=len(sent), stored=len(stored))
    if sent - stored:
        result.fail('sent, never stored', sorted(sent - stored))
    if stored - sent:
        result.fail('stored, never sent', sorted(stored - sent))
    return result


def quarantine(connection, malformed):
    """The quarantine holds the malformed messages sent, and nothing else."""
    result = Result('quarantine holds exactly the malformed messages')
    entries = []
    marker = None
    while True:
        page = connection.quarantined(limit=1000, marker=marker)
        if not page:
            break
        entries += page
        marker = page[-1]['id']
    bodies = {m[1] for m in malformed if m[0] == 'undecodable'}
    ids = {m[1] for m in malformed if m[0] == 'missing'}
    # Poison messages (poison.py): by message id or raw text, each with the
    # fragment its reason must hold.
    poisons = {m[1]: m[2] for m in malformed if m[0].startswith('poison')}
    found = set()
    for entry in entries:
        if entry['raw'] in bodies and entry['reason'].startswith(
                'undecodable'):
            found.add(entry['raw'])
        elif entry['message_id'] in ids and entry['reason'].startswith(
                'missing field'):
            found.add(entry['message_id'])
        elif entry['message_id'] in poisons or entry['raw'] in poisons:
            key = (entry['message_id'] if entry['message_id'] in poisons
                   else entry['raw'])
            if poisons[key] not in entry['reason']:
                result.fail('poison quarantined with the wrong reason', [
                    (entry['reason'], poisons[key])])
            found.add(key)
        else:
            result.fail('quarantined, never injected', [
                (entry['reason'], entry['raw'][:200])])
    result.figures.update(injected=len(malformed), quarantined=len(entries))
    if len(entries) != len(found):
        result.fail('%d entries for %d messages' % (len(entries),
                                                    len(found)))
    missing = (bodies | ids | set(poisons)) - found
    if missing:
        result.fail('injected, not quarantined', sorted(
            m[:200] for m in missing))
    # What `scs-metering-status` and the quarantine gauge show.
    summary = connection.quarantine_summary()
    if summary['total'] != len(entries):
        result.fail('status counts %d entries, the store holds %d' % (
            summary['total'], len(entries)))
    return result


def delivery(connection, receiver, sink_id):
    """Every record revision reached the sink; resends are identical."""
    result = Result('every record revision delivered, resends identical')
    expected = set(_rows(connection, sa.select(
        models.UsageRecord.id, models.UsageRecord.revision)))
    expected |= set(_rows(connection, sa.select(
        models.LifecycleRecord.id, models.LifecycleRecord.revision)))
    expected = {tuple(k) for k in expected}
    delivered = set(receiver.delivered)
    status = connection.sink_status(sink_id)
    resent = sum(1 for n in receiver.arrivals.values() if n > 1)
    result.figures.update(
        records=len(expected), delivered=len(delivered),
        requests=len(receiver.requests), resent=resent,
        answers=dict(collections.Counter(r[2] for r in receiver.requests)),
        failed_attempts=status['failed_attempts'],
        bad_signatures=receiver.bad_signatures)
    if expected - delivered:
        result.fail('never delivered', sorted(expected - delivered))
    if set(receiver.arrivals) - expected:
        result.fail('sent, unknown to the store',
                    sorted(set(receiver.arrivals) - expected))
    if receiver.conflicts:
        result.fail('one id and revision, two contents', receiver.conflicts)
    if status['backlog'] or status['dead_letters']:
        result.fail('backlog %d, dead letters %d' % (
            status['backlog'], status['dead_letters']))
    if receiver.bad_signatures:
        result.fail('%d bad signatures' % receiver.bad_signatures)
    return result


def single_close(connection):
    """No window was closed twice.

    One revision 1 per record, revisions in a row, one current, one outbox
    entry per revision and sink.
    """
    result = Result('no window closed twice')
    for model in (models.UsageRecord, models.LifecycleRecord):
        bad = _rows(connection, sa.select(
            model.id, sa.func.count(), sa.func.max(model.revision),
            sa.func.sum(sa.case((model.current.is_(True), 1), else_=0)),
            sa.func.sum(sa.case((model.revision == 1, 1), else_=0))
        ).group_by(model.id).having(sa.or_(
            sa.func.count() != sa.func.max(model.revision),
            sa.func.sum(sa.case((model.current.is_(True), 1), else_=0)) != 1,
            sa.func.sum(sa.case((model.revision == 1, 1), else_=0)) != 1)))
        if bad:
            result.fail('%s with broken revisions' % model.__tablename__,
                        [tuple(r) for r in bad])
    twice = _rows(connection, sa.select(
        models.Outbox.sink_id, models.Outbox.kind, models.Outbox.record_id,
        models.Outbox.revision, sa.func.count()).group_by(
        models.Outbox.sink_id, models.Outbox.kind, models.Outbox.record_id,
        models.Outbox.revision).having(sa.func.count() > 1))
    if twice:
        result.fail('outbox entries twice', [tuple(r) for r in twice])
    revisions = _rows(connection, sa.select(
        models.UsageRecord.revision, sa.func.count()).group_by(
        models.UsageRecord.revision))
    result.figures['usage revisions'] = dict(sorted(
        (int(r), int(n)) for r, n in revisions))
    return result


def _windows(start, end, width):
    step = datetime.timedelta(seconds=width)
    start = timeutils.window_floor(start, width)
    while start < end:
        yield start, start + step
        start += step


def untouched(connection, cloud, lost, notified):
    """Reconciliation changed nothing of what the notifications told.

    A resource of a notified type none of whose notifications the bus
    lost has its whole timeline from them: every period opened and ended
    by a notification, with no inferred bounds, whatever the listings
    found and whenever the delayed ones arrived. ``lost`` holds the ids
    the lost notifications name.
    """
    result = Result('reconciliation changed nothing the notifications '
                    'told')
    whole = {(t, r.resource_id) for t in notified for r in cloud.all(t)
             if r.resource_id not in lost}
    moved = set()
    for resource_type, rid, provenance, bounds in _rows(connection, sa.select(
            models.Resource.resource_type, models.Resource.resource_id,
            models.Period.provenance, sa.func.coalesce(
                models.Period.start_min, models.Period.start_max,
                models.Period.end_min, models.Period.end_max)).join(
            models.Resource)):
        if (resource_type, rid) in whole and (
                provenance == 'reconciliation' or bounds is not None):
            moved.add((resource_type, rid))
    result.figures.update(resources=len(whole), moved=len(moved))
    if moved:
        result.fail('notified in full, changed by reconciliation',
                    sorted(moved))
    return result


def history(connection, cloud, notifier, key):
    """Everything about one resource, to explain a failure."""
    resource_type, rid = key
    lines = ['== %s %s' % key, 'truth: %r' % (cloud.truth.get(key),)]
    for name in ('dropped', 'delayed', 'reordered', 'duplicated'):
        for message in getattr(notifier, name):
            if rid in json.dumps(message['payload']):
                lines.append('%s: %s at %s (%s)' % (
                    name, message['event_type'], message['timestamp'],
                    message['message_id']))
    with connection._reader() as session:
        pk = session.scalar(sa.select(models.Resource.id).where(
            models.Resource.resource_type == resource_type,
            models.Resource.resource_id == rid))
        for table, query in (
                ('event', sa.select(
                    models.Event.action, models.Event.event_time,
                    models.Event.provenance, models.Event.time_min,
                    models.Event.time_max, models.Event.event_type,
                    models.Event.message_id, models.Event.attributes,
                    models.Event.received_at).where(
                    models.Event.resource_pk == pk).order_by(
                    models.Event.event_time)),
                ('period', sa.select(
                    models.Period.started_at, models.Period.ended_at,
                    models.Period.state, models.Period.attributes,
                    models.Period.provenance, models.Period.start_min,
                    models.Period.start_max, models.Period.end_min,
                    models.Period.end_max).where(
                    models.Period.resource_pk == pk).order_by(
                    models.Period.started_at)),
                ('record', sa.select(
                    models.UsageRecord.window_start, models.UsageRecord.id,
                    models.UsageRecord.revision, models.UsageRecord.current,
                    models.UsageRecord.attributes,
                    models.UsageRecord.quantity,
                    models.UsageRecord.provenance,
                    models.UsageRecord.created_at).where(
                    models.UsageRecord.resource_pk == pk).order_by(
                    models.UsageRecord.window_start, models.UsageRecord.id,
                    models.UsageRecord.revision))):
            lines += ['%s: %s' % (table, tuple(r))
                      for r in session.execute(query)]
    return '\n'.join(lines)


def accuracy(receiver, cloud, meters, bounds, t0, horizons, explain=None):
    """Billed usage against the ground truth, per project/meter/window.

    Equal where no fact was inferred or unseen, within the documented
    bound elsewhere.

    ``meters`` maps each resource type to its lifecycle meter;
    ``horizons`` each meter to the end of the windows compared.
    """
    result = Result('billed usage equals the ground truth, or lies '
                    'within the documented bound')
    by_type = {meter.name: resource_type
               for resource_type, meter in meters.items()}
    billed = collections.Counter()
    projects = {}
    for (resource_type, rid, project, meter, start,
         quantity) in receiver.bill():
        if meter not in by_type or start < t0 or start >= horizons[meter]:
            continue
        billed[(resource_type, rid, meter, start)] += quantity
        projects[(resource_type, rid)] = project
    truth = collections.Counter()
    allowance = collections.Counter()
    for resource_type, meter in sorted(meters.items()):
        horizon = horizons[meter.name]
        for resource in cloud.all(resource_type):
            key = (resource_type, resource.resource_id)
            intervals = cloud.truth[key]
            projects.setdefault(key, resource.project_id)
            if not intervals:
                continue
            end = min(horizon, intervals[-1].end or horizon)
            for start, stop in _windows(max(t0, intervals[0].start), end,
                                        meter.window):
                quantity = sim_cloud.truth_quantity(intervals, meter, start,
                                                    stop)
                window = key + (meter.name, start)
                if quantity:
                    truth[window] = quantity
                allowed = bounds.allowance(key, meter, start, stop)
                if allowed:
                    allowance[window] = allowed
    # Windows with usage billed beyond a life get the allowance too.
    for window in set(billed) - set(truth) - set(allowance):
        resource_type, rid, meter_name, start = window
        meter = meters[resource_type]
        allowed = bounds.allowance(
            (resource_type, rid), meter, start, start + datetime.timedelta(
                seconds=meter.window)) if (resource_type, rid) in (
            cloud.truth) else 0
        if allowed:
            allowance[window] = allowed
    per_project = collections.defaultdict(lambda: [0, 0, 0])
    off = []
    for window in set(billed) | set(truth):
        got, want = billed[window], truth[window]
        if abs(got - want) > allowance[window]:
            off.append((window, got, want, allowance[window]))
        resource_type, rid, meter_name, start = window
        total = per_project[(projects[(resource_type, rid)], meter_name,
                             start)]
        total[0] += got
        total[1] += want
        total[2] += allowance[window]
    exact = bounded = 0
    for (project, meter_name, start), (got, want, allowed) in sorted(
            per_project.items()):
        if abs(got - want) > allowed:
            result.fail('project %s, %s, window %s: billed %s, truth %s, '
                        'bound %s' % (project, meter_name, start, got, want,
                                      allowed))
        elif allowed:
            bounded += 1
        else:
            exact += 1
    if off:
        result.fail('resource windows off their bound (window, billed, '
                    'truth, bound)', sorted(off))
        if explain is not None:
            resources = sorted({w[:2] for w, _g, _t, _a in off})
            result.details += [explain(r) for r in resources[:5]]
    windows = set(billed) | set(truth)
    result.figures.update(
        resource_windows=len(windows), project_windows=len(per_project),
        exact=exact, within_bound=bounded,
        differing_resource_windows=sum(
            1 for w in windows if billed[w] != truth[w]))
    return result
