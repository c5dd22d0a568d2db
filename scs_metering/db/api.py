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
"""The storage interface of scs-metering: the one door to the database.

Everything that reads or writes usage goes through a Connection; nothing
outside scs_metering.db opens a session or writes SQL, and only this
module names the driver. The values it takes and returns are
scs_metering.db.models and scs_metering.events. The engine decides what
to write; a driver only knows rows. The write transactions of ingest and
window closing are declared in db/transactions.py.
"""

import abc

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_utils import importutils

from scs_metering.db import billing
from scs_metering.db import throttling

# The driver, imported only when a connection is made.
DRIVER = 'scs_metering.db.sqlalchemy.api.Connection'

# Retried whole: a deadlock, or another engine inserting the same resource
# or event first. The transaction is re-run from the start, so the second
# attempt sees the winner's rows.
retry_on_conflict = oslo_db_api.wrap_db_retry(
    max_retries=10, retry_on_deadlock=True, retry_interval=0.05,
    inc_retry_interval=True, max_retry_interval=2,
    exception_checker=lambda exc: isinstance(exc, db_exc.DBDuplicateEntry))


class NotFound(Exception):
    """No sink (price list, plan, subscription, invoice) has this id."""


class Conflict(Exception):
    """The change contradicts what is stored; the API answers 409.

    A finalized invoice, a plan in use, an id taken.
    """


class SchemaError(Exception):
    """The database schema is not the one this release needs."""


def get_connection(conf, url=None):
    """The storage connection configured in [database]."""
    return importutils.import_class(DRIVER)(conf, url)


def stats_reader(conf):
    """A function reading the store's figures for the metrics endpoints."""
    return importutils.import_class(DRIVER).stats_reader(
        conf.database.connection)


class Connection(billing.BillingConnection,
                 throttling.ThrottlingConnection, metaclass=abc.ABCMeta):
    """Operations on the usage store."""

    @staticmethod
    @abc.abstractmethod
    def stats_reader(url):
        """A function reading the figures of the database at ``url``.

        {metric name: [(label values, value)]}, as scs_metering.metrics
        exposes them. It keeps no connection open between calls, so that
        it may be made in a parent process that forks workers.
        """

    # Schema and life

    @abc.abstractmethod
    def upgrade(self, revision='head'):
        """Bring the schema to ``revision``: scs-metering-manage db upgrade."""

    @abc.abstractmethod
    def version(self):
        """The schema revision, or None for an empty database."""

    @abc.abstractmethod
    def head(self):
        """The schema revision this release needs."""

    @abc.abstractmethod
    def check_schema(self):
        """Raise SchemaError unless the schema is the one this release needs.

        The services refuse to start on another schema rather than write
        rows a migration has not made room for.
        """

    @abc.abstractmethod
    def dispose(self):
        """Close the pooled connections, as a worker does when it stops."""

    @staticmethod
    @abc.abstractmethod
    def transient(exc):
        """Whether a failure to write says nothing about the data.

        A dropped connection or a deadlock: the batch is tried again as a
        whole. Anything else is something in the data that the database
        refuses, which retrying cannot mend.
        """

    @abc.abstractmethod
    def count(self, table):
        """Rows of a table, by its model name: a figure for checks."""

    # The write transactions (db/transactions.py)

    @abc.abstractmethod
    def ingest_transaction(self):
        """A context manager giving one IngestTransaction.

        A batch of events, the timelines they change and their lifecycle
        records commit together, or not at all.
        """

    @abc.abstractmethod
    def window_transaction(self, meters):
        """A context manager giving one WindowTransaction.

        It holds the closing lock of ``meters`` until it ends, so one
        engine at a time closes and corrects their windows.
        """

    # Quarantine

    @abc.abstractmethod
    def quarantined(self, limit=100, marker=None, ids=None, service=None,
                    reason=None, since=None, until=None):
        """Quarantine entries by id, after ``marker``, as dicts.

        ``service`` matches exactly ('unknown' matches entries without
        one), ``reason`` is a substring, in any case; the entry was
        received at or after ``since`` and before ``until``.
        """

    @abc.abstractmethod
    def quarantine_summary(self):
        """Counts by service, oldest and newest: what status shows."""

    @abc.abstractmethod
    def purge_quarantine(self, before=None, ids=None):
        """Delete entries received before a time, or by id; how many.

        Entries leave only when an operator has dealt with them.
        """

    # Corrections (engine/corrections.py)

    @abc.abstractmethod
    def add_correction(self, correction):
        """Store a correction (models.Correction) as requested.

        The row is its audit trail: who asked, when and why. It is never
        edited but by finish_correction.
        """

    @abc.abstractmethod
    def correction(self, correction_id):
        """One correction; NotFound if none has this id."""

    @abc.abstractmethod
    def corrections(self, limit=100, marker=None, status=None,
                    resource_type=None, resource_id=None):
        """Corrections in the order they were asked for, after ``marker``."""

    @abc.abstractmethod
    def finish_correction(self, correction_id, status, event_ids=(),
                          error=None, now=None):
        """Record how a correction went: APPLIED with its events, or FAILED."""

    @abc.abstractmethod
    def resource_events(self, resource_type, resource_id):
        """Every stored event of a resource, voids included, in time order.

        What a correction of its life is planned from.
        """

    @abc.abstractmethod
    def event(self, event_id):
        """One stored event (events.Event), or None."""

    # Usage and resources

    @abc.abstractmethod
    def periods(self, resource_type, resource_id):
        """A resource's periods (models.Period), in time order."""

    @abc.abstractmethod
    def current_records(self, meter=None, project_id=None, start=None,
                        end=None):
        """The current revision of every usage record matching."""

    @abc.abstractmethod
    def record_revisions(self, keys):
        """The usage records of (id, revision) pairs, keyed by them."""

    @abc.abstractmethod
    def lifecycle_records(self, resource_type=None, resource_id=None):
        """Every lifecycle record revision, oldest first."""

    @abc.abstractmethod
    def usage_report(self, project_id=None, start=None, end=None,
                     meters=None, resource_types=None):
        """Usage per meter, resource type, project and attribute set.

        Counts the current revision of every record whose window lies in
        [start, end), from the rollup, so that a month stays cheap.
        """

    @abc.abstractmethod
    def resources(self, project_id=None, resource_type=None,
                  resource_id=None, start=None, end=None, limit=100,
                  marker=None):
        """A page of resources with their periods, as the API lists them."""

    @abc.abstractmethod
    def resource(self, resource_type, resource_id):
        """One resource with all its periods, or None."""

    # Sinks

    @abc.abstractmethod
    def sinks(self):
        """Every sink definition as stored, secrets encrypted."""

    @abc.abstractmethod
    def sink(self, sink_id):
        """One sink; NotFound if no sink has this id."""

    @abc.abstractmethod
    def sink_by_name(self, name):
        """The sink of this name, or None."""

    @abc.abstractmethod
    def put_sink(self, sink):
        """Create a sink, or update the one of the same id or name.

        Raises oslo.db's DBDuplicateEntry when another sink took the name.
        """

    @abc.abstractmethod
    def delete_sink(self, sink_id):
        """Delete a sink with its backlog and dead letters; NotFound."""

    @abc.abstractmethod
    def set_sink_paused(self, sink_id, paused):
        """Pause or resume a sink; batches in flight still finish."""

    # Delivery

    @property
    @abc.abstractmethod
    def needs_delivery_leader(self):
        """True where claims cannot skip rows another deliverer locked.

        Then (SQLite) one engine at a time delivers, holding a lease.
        """

    @abc.abstractmethod
    def acquire_lease(self, name, owner, duration, now):
        """Take or renew a named lease; False while another holds it."""

    @abc.abstractmethod
    def release_lease(self, name, owner):
        """Give up a named lease held by ``owner``.

        Another may then take it at once instead of after it expires.
        """

    @abc.abstractmethod
    def renew_deliveries(self, sink_id, token, lease, now):
        """Extend the claim ``token`` to ``now + lease``.

        Returns how many entries it still holds: 0 once it expired and
        another deliverer may have taken it over.
        """

    @abc.abstractmethod
    def claim_deliveries(self, sink_id, owner, limit, lease, now,
                         linger=None, concurrency=None):
        """Claim a batch of due outbox entries of a sink for ``lease``.

        Claims let several engines share a sink's backlog without sending
        an entry twice at once; a claim whose deliverer died expires.
        Returns (claim token, entries), or (None, []).
        """

    @abc.abstractmethod
    def finish_deliveries(self, sink_id, token, outcome, now, error=None,
                          answer=None, retry_delay=None, entry_ids=None):
        """Record how a claimed batch went: DELIVERED, DEAD or RETRY."""

    @abc.abstractmethod
    def outbox_records(self, entries):
        """The record revisions of outbox entries, by (kind, id, revision).

        Usage and lifecycle records, rated lines (models.RatedLine) and
        invoice status changes (models.InvoiceRecord).
        """

    @abc.abstractmethod
    def dead_letters(self, sink_id, limit=100, marker=None):
        """A sink's dead-lettered entries, with the sink's answer."""

    @abc.abstractmethod
    def retry_dead_letters(self, sink_id, entry_ids=None, now=None):
        """Make dead letters pending again; return how many."""

    @abc.abstractmethod
    def sink_status(self, sink_id, now=None):
        """A sink's delivery counters, backlog and last error."""

    @abc.abstractmethod
    def queue_replay(self, sink_id, start, end, matching):
        """Queue the current records of [start, end) for a sink again.

        Each becomes a new outbox entry under its own id and revision, so
        a sink that holds it already sees a duplicate it can drop.
        """

    @abc.abstractmethod
    def purge_delivered(self, before):
        """Delete outbox entries delivered before a time; how many.

        Pending and dead entries are never purged.
        """

    # Service health

    @abc.abstractmethod
    def beat(self, host, binary, started_at, info=None, now=None):
        """Record that a service worker was alive at ``now``."""

    @abc.abstractmethod
    def heartbeats(self):
        """The latest heartbeat of every service worker."""

    @abc.abstractmethod
    def expire_heartbeats(self, before):
        """Delete the heartbeats last sent before a time; how many."""

    @abc.abstractmethod
    def last_reconciliations(self):
        """The latest reconciliation run of each resource type.

        Each also has ``last_success_at``, the start of the type's latest
        successful run (None if none), from which status shows its lag.
        """

    @abc.abstractmethod
    def window_progress(self):
        """How far each meter's windows are closed, {meter: time}."""

    # Meters whose windows failed to close (engine/windows.py)

    @abc.abstractmethod
    def record_stall(self, meters, reason, now=None):
        """Record that closing the windows of ``meters`` failed, and why.

        A meter already stalled keeps its first time and counts one more
        attempt.
        """

    @abc.abstractmethod
    def clear_stalls(self, meters):
        """Forget the stalls of ``meters``: their windows close again."""

    @abc.abstractmethod
    def stalled_meters(self):
        """{meter: {reason, since, last_attempt, attempts}}."""

    @abc.abstractmethod
    def parked_groups(self, meter=None, limit=None):
        """Parked groups of windows, newest first (engine/windows.py).

        Each a dict of meter, window_start, window_end, group_key,
        project_id, user_id, attributes, reason, since, last_attempt and
        attempts.
        """

    @abc.abstractmethod
    def parked_count(self):
        """How many groups are parked."""

    # Reconciliation: tracked resources and run reports

    @abc.abstractmethod
    def tracked(self, resource_type, resource_ids, born=None):
        """What the engine knows of listed resources (models.Tracked).

        Ids the engine never saw are absent. ``born`` maps ids to the
        earliest start the listing allows.
        """

    @abc.abstractmethod
    def mark_seen(self, resource_type, listings):
        """Mark (resource ids, when listed) pairs alive and not missing."""

    @abc.abstractmethod
    def count_active(self, resource_type, listed_from):
        """Active resources of a type started before a listing began."""

    @abc.abstractmethod
    def count_missing(self, resource_type, listed_from, margin):
        """Active resources the listing that began then did not show.

        Anything that started or changed within ``margin`` (clock
        difference allowed) of the listing's start may have come after its
        page, and does not count.
        """

    @abc.abstractmethod
    def note_missing(self, resource_type, listed_from, when, margin):
        """Date the first listing that missed each missing resource."""

    @abc.abstractmethod
    def missing(self, resource_type, listed_from, margin):
        """Chunks of missing resources (models.Tracked), never all at once."""

    @abc.abstractmethod
    def start_run(self, resource_type, host, started_at):
        """Store a running reconciliation run; return its id."""

    @abc.abstractmethod
    def finish_run(self, run_id, report):
        """Store a run's outcome, from its report's counts and status."""

    @abc.abstractmethod
    def last_started(self, resource_type, status=None):
        """Start of the latest run of a type (of a status), or None.

        Without a status, audit passes do not count: they are no listing.
        """

    @abc.abstractmethod
    def settled_until(self, resource_types):
        """By type: the start of its last successful run, or None.

        Windows of a reconciled type close only up to there.
        """

    @abc.abstractmethod
    def runs(self, resource_type=None, limit=100):
        """The latest run reports, newest first, as dicts."""

    # Audit notifications (reconcile/audit.py)

    @abc.abstractmethod
    def audit_events(self, since, until):
        """Chunks of (resource pk, audit event) received in [since, until)."""

    @abc.abstractmethod
    def resource_periods(self, pks):
        """The periods of resources by pk, each list in time order."""

    @abc.abstractmethod
    def note_alive(self, seen):
        """Resources known alive at a time, {pk: time}, from audits.

        That narrows the bounds of a later inferred delete.
        """

    # High-water marks of pollers that read logs (reconcile/listers/rgw.py)

    @abc.abstractmethod
    def poll_marks(self, poller):
        """{key: time} of every high-water mark a poller has set."""

    @abc.abstractmethod
    def raise_poll_marks(self, poller, marks):
        """Set marks {key: time}; a mark only ever moves forward.

        Two polls that overlap may both raise a mark; the later time wins
        whatever the order of their commits.
        """
