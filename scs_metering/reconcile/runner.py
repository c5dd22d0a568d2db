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
"""One reconciliation run of one resource type, and its report.

A run streams its listing page by page: each page is compared with what
the engine tracks and the differences are stored through the Ingestor,
in the same transaction as any notification's events would be. Only a
listing that reached its end can say what is missing, and even then a
run refuses to infer deletes when the listing lacks suspiciously many
resources. A failed or refused run never closes anything and does not
count as covering time for settled windows.
"""

import dataclasses
import datetime

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.definitions import fields
from scs_metering.definitions import guards
from scs_metering.engine import ingest
from scs_metering import events as ev
from scs_metering.reconcile import client
from scs_metering.reconcile import diff
from scs_metering.reconcile import listers
from scs_metering.reconcile.listers import base

LOG = log.getLogger(__name__)
# Events stored per transaction at most.
FLUSH = 1000
# Listed ids queued at most before they are marked seen.
SEEN_FLUSH = 10000


@dataclasses.dataclass
class Report:
    resource_type: str
    started_at: datetime.datetime
    finished_at: datetime.datetime = None
    status: str = models.RUNNING
    listed: int = 0
    matched: int = 0
    missed_creates: int = 0
    missed_deletes: int = 0
    drift: int = 0
    errors: int = 0
    error: str = None

    def tally(self, kind, found):
        """Count one resource of a listing by the facts found missing.

        A resource whose create and a later change were both missed
        counts in both; one that needed nothing counts as matched.
        """
        if kind == diff.CONFLICT or not found:
            self.count(kind)
            return
        for event in found:
            if event.action == ev.CREATE:
                self.missed_creates += 1
            elif event.action == ev.DELETE:
                self.missed_deletes += 1
            else:
                self.drift += 1

    def count(self, kind):
        if kind == diff.MATCHED:
            self.matched += 1
        elif kind == diff.CREATED:
            self.missed_creates += 1
        elif kind == diff.DELETED:
            self.missed_deletes += 1
        elif kind == diff.DRIFT:
            self.drift += 1
        else:
            self.errors += 1

    def summary(self):
        return ('%(resource_type)s: %(status)s, listed %(listed)d, matched '
                '%(matched)d, missed creates %(missed_creates)d, missed '
                'deletes %(missed_deletes)d, drift %(drift)d, errors '
                '%(errors)d' % dataclasses.asdict(self) +
                (' (%s)' % self.error if self.error else ''))


class Reconciler:
    """Reconciles resource types against their APIs, one run at a time."""

    def __init__(self, conf, connection, cloud, definitions, host=None,
                 clock=timeutils.utcnow, enabled=None):
        self.conf = conf.reconciliation
        self.cloud = cloud
        self.definitions = definitions
        self.host = host or conf.host
        self.clock = clock
        self.connection = connection
        # Clock difference allowed between us and the hosts that date
        # resources (APIs and notifications).
        self.margin = datetime.timedelta(seconds=self.conf.clock_margin)
        self.ingestor = Guarded(ingest.Ingestor(connection), definitions,
                                conf, clock)
        # The resource types this reconciler may run, None for any.
        self.enabled = enabled
        self._full_conf = conf
        self._listers = {}
        self._type = None
        self._pending = []
        self._seen = []

    def run(self, resource_type):
        """Reconcile one type now; return its report, also stored."""
        report = Report(resource_type, self.clock())
        self._type, self._pending, self._seen = resource_type, [], []
        run_id = self.connection.start_run(resource_type, self.host,
                                           report.started_at)
        try:
            lister = self.lister(resource_type)
            if isinstance(lister, base.Poller):
                lister.poll(self.cloud, self.ingestor, self.clock, report)
            else:
                self._reconcile(lister, report)
        except (client.ListingError, listers.ListerError) as exc:
            # What the pages read so far showed is true all the same.
            self._flush()
            report.status, report.error = models.FAILED, str(exc)
        except Exception as exc:
            LOG.exception('Reconciliation of %s failed', resource_type)
            report.status = models.FAILED
            report.error = '%s: %s' % (exc.__class__.__name__, exc)
        if report.status == models.RUNNING:
            report.status = models.SUCCESS
        report.finished_at = self.clock()
        self.connection.finish_run(run_id, report)
        (LOG.info if report.status == models.SUCCESS else LOG.warning)(
            'Reconciliation of %s', report.summary())
        return report

    def lister(self, resource_type):
        """The lister of a type, loaded on first use (listers.load)."""
        if resource_type not in self._listers:
            self._listers[resource_type] = listers.load(
                self._full_conf, self.definitions, resource_type,
                self.enabled)
        return self._listers[resource_type]

    def _reconcile(self, lister, report):
        resource_type = lister.resource_type
        policy = self.conf.billed_end
        for page in lister.inventory(self.cloud):
            listed_at = self.clock()
            found = self._observe(lister, [(i, None) for i in page], report)
            report.listed += len(page)
            tracked = self.connection.tracked(
                resource_type, [o.resource_id for o in found],
                born={o.resource_id: o.born_at for o in found})
            batch = []
            for observed in found:
                kind, evs = diff.compare(
                    resource_type, observed,
                    tracked.get(observed.resource_id), listed_at, policy,
                    lister.start_moves)
                report.tally(kind, evs)
                batch.extend(evs)
            # Marked once the queued events, which create the resources
            # the engine never saw, are stored.
            self._seen.append((_seen_ids(lister, page), listed_at))
            self._store(batch)
        self._flush()
        self._exact_deletes(lister, report)
        self._flush()
        self._infer_deletes(resource_type, report)
        self._flush()

    def _observe(self, lister, items, report):
        """Observed items; an unreadable one is counted, never guessed.

        It stays "seen" (its id is marked), so it cannot be taken for a
        delete; an item without an id fails the listing.
        """
        found = []
        for item, deleted_at in items:
            try:
                found.append(lister.observe(item, deleted_at))
            except fields.FieldError as exc:
                try:
                    resource_id = lister.resource_id(item)
                except fields.GuardError as refused:
                    # An id no notification could carry either (too long,
                    # a control character): that item alone is unusable.
                    LOG.warning('Reconciliation of %s: a listed item is '
                                'unusable: %s', lister.resource_type,
                                refused)
                    report.errors += 1
                    continue
                except fields.FieldError:
                    raise client.ListingError(
                        '%s: a listed item has no id: %s' % (
                            lister.resource_type, exc))
                LOG.warning('Reconciliation of %s: item %s is unusable: %s',
                            lister.resource_type, resource_id, exc)
                report.errors += 1
        return found

    def _exact_deletes(self, lister, report):
        since = (self.connection.last_started(lister.resource_type,
                                              models.SUCCESS) or
                 report.started_at) - datetime.timedelta(
            seconds=self.conf.deleted_lookback)
        for page in lister.deleted(self.cloud, since):
            found = self._observe(lister, page, report)
            tracked = self.connection.tracked(
                lister.resource_type, [o.resource_id for o in found],
                born={o.resource_id: o.born_at for o in found})
            batch = []
            for observed in found:
                kind, evs = diff.exact_delete(
                    lister.resource_type, observed,
                    tracked.get(observed.resource_id))
                if evs:
                    report.tally(kind, evs)
                batch.extend(evs)
            self._store(batch)

    def _infer_deletes(self, resource_type, report):
        start = report.started_at
        missing = self.connection.count_missing(resource_type, start,
                                                self.margin)
        if not missing:
            return
        active = self.connection.count_active(resource_type, start)
        listed_until = self.clock()
        if report.listed == 0:
            # A listing that shows nothing is wrong: it dates nothing, not
            # even as the first listing that missed a later delete.
            report.status = models.REFUSED
            report.error = ('empty listing while %d resources are tracked: '
                            'no delete inferred' % active)
            return
        self.connection.note_missing(resource_type, start, listed_until,
                                     self.margin)
        allowed = max(self.conf.max_missing_floor,
                      int(active * self.conf.max_missing_fraction))
        if missing > allowed:
            report.status = models.REFUSED
            report.error = ('%d of %d tracked resources missing, more than '
                            'the %d allowed: no delete inferred' % (
                                missing, active, allowed))
            return
        policy = self.conf.billed_end
        for chunk in self.connection.missing(resource_type, start,
                                             self.margin):
            self._store([diff.deleted(resource_type, t, t.known_alive,
                                      _first_missing(t, listed_until),
                                      policy) for t in chunk])
            report.missed_deletes += len(chunk)

    def _store(self, batch):
        """Queue events and seen marks; they are written in bulk.

        A write transaction per page would cost more than the diff itself
        on a mostly quiet listing; the queues are bounded, and flushed
        before anything reads what they change.
        """
        self._pending.extend(batch)
        if len(self._pending) >= FLUSH or sum(
                len(ids) for ids, _when in self._seen) >= SEEN_FLUSH:
            self._flush()

    def _flush(self):
        if self._pending:
            self.ingestor.store(self._pending)
            self._pending = []
        if self._seen:
            self.connection.mark_seen(self._type, self._seen)
            self._seen = []


def _seen_ids(lister, page):
    """Ids of a listed page, but those no resource could have."""
    ids = []
    for item in page:
        try:
            ids.append(lister.resource_id(item))
        except fields.GuardError:
            continue
    return ids


class Guarded:
    """The ingestor behind the input guards, as the agents' events are.

    The values and ids reconciliation infers pass the same checks as a
    notification's, and an event that fails one is quarantined alone
    under its service. Its time may lie far back (a resource that lived
    unseen since its creation), so only times in the future are refused;
    [engine] metering_start bounds what an old fact bills.
    """

    def __init__(self, ingestor, definitions, conf, clock):
        self.ingestor = ingestor
        self.connection = ingestor.connection
        self.definitions = definitions
        self.guard = guards.EventGuard(
            definitions, clock_skew=conf.guards.clock_skew, clock=clock)

    def store(self, batch, quarantined=()):
        kept, refused = [], list(quarantined)
        now = self.guard.clock()
        for event in batch:
            reason = self.guard.reason(event, now)
            if reason is None:
                kept.append(event)
                continue
            LOG.warning('Reconciliation quarantined a %s event of %s: %s',
                        event.resource_type, event.resource_id[:255],
                        reason)
            refused.append(guards.quarantine_event(
                event, reason, self._service(event.resource_type)))
        return self.ingestor.store(kept, refused)

    def _service(self, resource_type):
        known = self.definitions.resource_types.get(resource_type)
        return known.service if known is not None else None


def _first_missing(tracked, listed_until):
    """The first listing that missed it, unless it lived on after that.

    A resource noted missing by a refused run and then heard of again was
    not gone then: that listing was wrong, and only this one counts.
    """
    since = tracked.missing_since
    if since is not None and since >= tracked.known_alive:
        return since
    return listed_until
