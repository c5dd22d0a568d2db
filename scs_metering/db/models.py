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
"""The values storage takes and returns, apart from how it stores them.

Plain classes, as the engine, the publisher and the reconciler use them;
the SQL driver (db/sqlalchemy) turns rows into these and back, and
imports them, never the reverse. Canonical usage events and quarantine
entries are scs_metering.events.
"""

import dataclasses
import datetime
import decimal
import uuid

from scs_metering.common import timeutils
from scs_metering import events

# Record kinds, as sinks filter them and formats name them. Every record
# has a stable id and a revision; revision n > 1 replaces revision n - 1.
USAGE = 'usage'
STARTED = 'started'
CHANGED = 'changed'
ENDED = 'ended'
LIFECYCLE_KINDS = (STARTED, CHANGED, ENDED)
KINDS = (USAGE,) + LIFECYCLE_KINDS

# Outbox kinds: the table an outbox entry's record lives in.
USAGE_TABLE = USAGE
LIFECYCLE_TABLE = 'lifecycle'

# Outbox entry states.
PENDING = 'pending'
DELIVERED = 'delivered'
DEAD = 'dead'
# Not a state: the outcome of a failed attempt that will be retried.
RETRY = 'retry'

# Reconciliation run statuses. Only a successful run covers time for
# settled windows; AUDIT marks a pass of the audit check, not a listing.
RUNNING = 'running'
SUCCESS = 'success'
FAILED = 'failed'
REFUSED = 'refused'
AUDIT = 'audit'


@dataclasses.dataclass
class ResourceState:
    """A tracked resource as the ingest and window code see it."""

    pk: int
    resource_type: str
    resource_id: str
    project_id: str = None
    user_id: str = None
    active: bool = False
    started_at: datetime.datetime = None
    ended_at: datetime.datetime = None
    attributes: dict = None
    first_event_at: datetime.datetime = None
    last_event_at: datetime.datetime = None
    last_event_key: str = None
    dirty_from: datetime.datetime = None
    dirty_gen: int = 0


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A resource's billable state: owner and attributes, state included."""

    project_id: str
    user_id: str
    attributes: tuple  # sorted (name, value) pairs, state included

    @property
    def state(self):
        return dict(self.attributes).get('state')

    @classmethod
    def of(cls, event):
        return cls(event.project_id, event.user_id,
                   tuple(sorted(event.attributes.items())))


@dataclasses.dataclass(frozen=True)
class Period:
    """An interval over which a resource's snapshot is constant."""

    start: datetime.datetime
    end: datetime.datetime  # None while open
    snapshot: Snapshot
    provenance: str = events.NOTIFICATION
    start_event_id: str = None
    end_event_id: str = None
    start_min: datetime.datetime = None
    start_max: datetime.datetime = None
    end_min: datetime.datetime = None
    end_max: datetime.datetime = None

    def covers(self, when):
        return self.start <= when and (self.end is None or when < self.end)


@dataclasses.dataclass(frozen=True)
class Record:
    """What a window's usage of one resource amounts to, per group."""

    id: str
    meter: str
    unit: str
    resource_type: str
    resource_id: str
    project_id: str
    user_id: str
    window_start: datetime.datetime
    window_end: datetime.datetime
    attributes: dict
    quantity: decimal.Decimal
    # Seconds of the window backed by each provenance.
    provenance: dict
    # Set once stored: revisions count corrections, starting at 1.
    revision: int = None
    replaces: int = None
    created_at: datetime.datetime = None
    # The attributes as stored (common.jsonutils.Encoded), when the closer
    # has encoded them already; None has them encoded on insert.
    attributes_json: str = dataclasses.field(default=None, compare=False,
                                             repr=False)


@dataclasses.dataclass(frozen=True)
class LifecycleRecord:
    """A resource started, changed or ended at time.

    attributes, project_id and user_id are the resource's
    billable state from then on (before the end, for ended).
    time_min/time_max bound an inferred time. A voided
    revision withdraws the fact: later events showed it did not happen.
    """

    id: str
    kind: str
    resource_type: str
    resource_id: str
    project_id: str
    user_id: str
    time: datetime.datetime
    attributes: dict
    provenance: str
    time_min: datetime.datetime = None
    time_max: datetime.datetime = None
    voided: bool = False
    revision: int = None
    replaces: int = None
    created_at: datetime.datetime = None

    def same_fact(self, other):
        """True if a new revision would tell nothing new."""
        fields = ('kind', 'project_id', 'user_id', 'time', 'attributes',
                  'provenance', 'time_min', 'time_max', 'voided')
        return all(getattr(self, f) == getattr(other, f) for f in fields)


def kind_of(record):
    """The kind of a usage or lifecycle record."""
    return getattr(record, 'kind', USAGE)


@dataclasses.dataclass
class Tracked:
    """What the engine knows of one resource, as reconciliation reads it."""

    pk: int
    resource_id: str
    active: bool
    project_id: str = None
    user_id: str = None
    attributes: dict = None
    started_at: datetime.datetime = None
    ended_at: datetime.datetime = None
    last_event_at: datetime.datetime = None
    last_seen_at: datetime.datetime = None
    missing_since: datetime.datetime = None
    # Whether a create event opened the current life, rather than a later
    # event that found it alive and was backdated to its start; and when
    # the first event of the life came.
    opened_by_create: bool = True
    first_known: datetime.datetime = None

    @property
    def known_alive(self):
        """The last time the tracked state is known to have held."""
        return max(filter(None, (self.last_event_at, self.last_seen_at,
                                 self.started_at)), default=None)


# Billing. Documents are the plain dicts of scs_metering.rating, which
# parses and checks them; storage keeps them as given and never reads
# their meaning beyond the fields it indexes.

# Billing record kinds, which are also their outbox kinds: a rated line
# revision, and an invoice's finalization (its revision 1) and voiding
# (revision 2). Sinks receive them only when they ask (publisher/filters).
RATED_USAGE = 'rated_usage'
INVOICE_FINALIZED = 'invoice.finalized'
INVOICE_VOIDED = 'invoice.voided'
BILLING_KINDS = (RATED_USAGE, INVOICE_FINALIZED, INVOICE_VOIDED)
# Invoice statuses, as rating.invoices moves them.
DRAFT = 'draft'
FINALIZED = 'finalized'
VOIDED = 'voided'


@dataclasses.dataclass(frozen=True)
class PriceListVersion:
    """A published version of a price list; never changed."""

    price_list_id: str
    number: int
    effective_from: datetime.datetime
    prices: tuple
    description: str = None
    forced: bool = False
    force_reason: str = None
    created_at: datetime.datetime = None

    def document(self):
        """The version as rating.pricelist.parse_version takes it."""
        doc = {'effective_from': timeutils.isoformat(self.effective_from),
               'prices': list(self.prices)}
        if self.description is not None:
            doc['description'] = self.description
        return doc


@dataclasses.dataclass(frozen=True)
class PriceList:
    id: str
    currency: str
    description: str = None
    created_at: datetime.datetime = None
    versions: tuple = ()


@dataclasses.dataclass(frozen=True)
class Plan:
    """A plan document; immutable once stored."""

    id: str
    price_list_id: str
    document: dict
    created_at: datetime.datetime = None


@dataclasses.dataclass(frozen=True)
class Subscription:
    """A subscription document and the columns queries filter on."""

    id: str
    document: dict
    started_at: datetime.datetime
    ended_at: datetime.datetime = None
    project_id: str = None
    domain_id: str = None
    anchor_day: str = '1'
    timezone: str = 'UTC'
    customer_ref: str = None
    revision: int = None
    created_at: datetime.datetime = None
    updated_at: datetime.datetime = None


@dataclasses.dataclass(frozen=True)
class RatedLine:
    """One usage record revision's share of a line; see rating.lines.

    ``id`` is stable per subscription and usage record; a re-rating
    that changes what the record costs adds a revision.
    """

    id: str
    subscription_id: str
    period_start: datetime.datetime
    usage_id: str
    usage_revision: int
    line_key: str
    meter: str
    resource_id: str
    project_id: str
    window_start: datetime.datetime
    window_end: datetime.datetime
    quantity: decimal.Decimal
    unit: str
    pricing_unit: str
    amount: decimal.Decimal
    currency: str
    num: int = 1
    den: int = 1
    revision: int = None
    current: bool = True
    reason: str = None
    created_at: datetime.datetime = None

    # What a new revision must differ in to be worth storing.
    CHARGE_FIELDS = ('usage_revision', 'line_key', 'quantity', 'amount',
                     'currency', 'pricing_unit', 'num', 'den', 'window_start',
                     'window_end', 'project_id', 'resource_id', 'meter')

    def same_charge(self, other):
        return all(getattr(self, f) == getattr(other, f)
                   for f in self.CHARGE_FIELDS)

    # As sinks filter and formats name it (not a field).
    kind = RATED_USAGE
    # Rated lines are not attached to a resource type.
    resource_type = None

    @property
    def replaces(self):
        return self.revision - 1 if self.revision and self.revision > 1 \
            else None


@dataclasses.dataclass(frozen=True)
class Invoice:
    """An invoice document (rating.invoices) and where it is filed.

    ``slot`` is unique per subscription while the invoice stands (see
    the invoices table); ``issuer`` numbers it.
    """

    document: dict
    issuer: str
    slot: str = None

    @property
    def id(self):
        return self.document['id']

    @property
    def status(self):
        return self.document['status']


@dataclasses.dataclass(frozen=True)
class InvoiceRecord:
    """An invoice status change as sinks receive it.

    ``kind`` is INVOICE_FINALIZED (revision 1 of the invoice's id) or
    INVOICE_VOIDED (revision 2, replacing 1). ``document`` is the invoice
    as that change left it, lines included: a finalization delivered
    after the invoice was voided still shows it finalized.
    """

    kind: str
    document: dict
    issuer: str

    REVISIONS = {INVOICE_FINALIZED: 1, INVOICE_VOIDED: 2}
    # Set to None by a voiding; absent before it.
    VOID_FIELDS = ('voided_at', 'void_reason')

    @classmethod
    def of(cls, kind, invoice):
        """The record of ``kind`` of a stored Invoice."""
        document = invoice.document
        if kind == INVOICE_FINALIZED and document['status'] == VOIDED:
            document = dict(document, status=FINALIZED,
                            **{f: None for f in cls.VOID_FIELDS})
        return cls(kind, document, invoice.issuer)

    @property
    def id(self):
        return self.document['id']

    @property
    def revision(self):
        return self.REVISIONS[self.kind]

    @property
    def replaces(self):
        return 1 if self.kind == INVOICE_VOIDED else None

    @property
    def project_id(self):
        return self.document.get('project_id')

    # Invoices have no meter or resource type: such filters keep them out.
    meter = None
    resource_type = None


# Correction kinds and states (db/api.py: add_correction).
VOID = 'void'
END = 'end'
START = 'start'
REMETER = 'remeter'
CORRECTION_KINDS = (VOID, END, START, REMETER)
APPLIED = 'applied'
# PENDING as for outbox entries; FAILED as for reconciliation runs.


@dataclasses.dataclass(frozen=True)
class Correction:
    """An operator's correction and its audit trail: who, when and why.

    It is never edited but to record its outcome. Its events carry its id
    as their message_id and 'correction' as their provenance, so that
    every revision it causes can be traced back to it.
    """

    id: str
    kind: str
    reason: str
    requested_by: str
    requested_at: datetime.datetime
    # The request's origin: 'api' or 'manage', and the requester's
    # project or scope ('system') when it came through the API.
    source: str
    requested_project: str = None
    resource_type: str = None
    resource_id: str = None
    event_id: str = None  # the event a void withdraws
    time: datetime.datetime = None  # the new end or start
    quarantine_id: int = None  # the entry a re-meter replaces
    message: str = None  # the edited message of a re-meter
    status: str = PENDING
    applied_at: datetime.datetime = None
    error: str = None
    event_ids: tuple = ()  # the events it stored

    # What a request must name besides its reason.
    NEEDS = {VOID: ('event_id',),
             END: ('resource_type', 'resource_id', 'time'),
             START: ('resource_type', 'resource_id', 'time'),
             REMETER: ('quarantine_id', 'message')}
    MAX_REASON = 1000

    @classmethod
    def request(cls, kind, reason, requested_by, source, now, **fields):
        """A new, pending correction under a fresh id."""
        return cls(id=str(uuid.uuid4()), kind=kind, reason=reason,
                   requested_by=requested_by, source=source,
                   requested_at=now.replace(microsecond=0), **fields)

    def __post_init__(self):
        if self.kind not in CORRECTION_KINDS:
            raise InvalidCorrection('unknown correction %r; one of %s' % (
                self.kind, ', '.join(CORRECTION_KINDS)))
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InvalidCorrection('a correction needs a reason')
        if len(self.reason) > self.MAX_REASON or '\x00' in self.reason:
            raise InvalidCorrection('the reason must be at most %d '
                                    'characters, without NUL' %
                                    self.MAX_REASON)
        missing = [n for n in self.NEEDS[self.kind]
                   if getattr(self, n) in (None, '')]
        if missing:
            raise InvalidCorrection('a %s correction needs %s' % (
                self.kind, ' and '.join(missing)))
        when = self.time
        if when is not None and (
                not isinstance(when, datetime.datetime) or
                when.tzinfo is None or when.microsecond):
            raise InvalidCorrection('the time must be UTC, in whole seconds')


class InvalidCorrection(ValueError):
    """A correction request that is incomplete or malformed."""


# Throttling. Rule, decision and enforcement documents are the plain
# dicts of scs_metering.throttling, which parses and checks them.

@dataclasses.dataclass(frozen=True)
class RuleVersion:
    """An immutable version of a throttling rule, as it was written."""

    rule_id: str
    version: int
    document: dict
    created_at: datetime.datetime = None
    created_by: str = None
