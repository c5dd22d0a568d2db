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
"""The write transactions of the storage interface (see db/api.py).

The engine applies a batch of events, or closes a few windows, in one
transaction: what it reads there is locked until it commits, and what it
writes commits together with the outbox entries of its records, so a sink
never misses a record and never gets one that was rolled back. Each
method is a bulk statement over a set of resources, so that a batch costs
a handful of round trips whatever its size.
"""

import abc


class Transaction(metaclass=abc.ABCMeta):
    """What both transactions share: periods, sinks, lifecycle records."""

    @abc.abstractmethod
    def periods(self, pks):
        """Stored periods of resources, by resource pk, in time order."""

    @abc.abstractmethod
    def replace_periods(self, changes):
        """Apply {pk: (removed periods, added periods)}."""

    @abc.abstractmethod
    def sinks(self):
        """The sinks, read once per transaction.

        Records are matched to them and get an outbox entry per matching
        sink.
        """

    @abc.abstractmethod
    def current_lifecycle(self, pks):
        """Current lifecycle record revisions, {resource pk: {id: record}}."""

    @abc.abstractmethod
    def add_lifecycle(self, items, sinks_matching):
        """Store (record, resource pk, previous revision or None) items.

        Each becomes the next revision of its id, the previous one stops
        being current, and each gets an outbox entry for every sink
        ``sinks_matching(record)`` returns.
        """


class IngestTransaction(Transaction):
    """Stores a batch of events and the timelines they change."""

    @abc.abstractmethod
    def new_event_ids(self, ids):
        """Those of ``ids`` not stored yet: a redelivery counts once."""

    @abc.abstractmethod
    def resources(self, keys):
        """Resources (models.ResourceState) by (type, id), locked.

        New ones are created. Rows are locked in one order, the same in
        every engine, so concurrent batches wait instead of deadlocking.
        """

    @abc.abstractmethod
    def add_events(self, batch, pks):
        """Insert events; ``pks`` maps (type, id) to the resource pk."""

    @abc.abstractmethod
    def history(self, resources):
        """All lifecycle events of resources, by pk, for a refold."""

    @abc.abstractmethod
    def update_resources(self, states):
        """Store the resources' new summaries (models.ResourceState)."""

    @abc.abstractmethod
    def add_quarantine(self, items):
        """Keep messages aside, each once however often it comes.

        Returns how many were new.
        """


class WindowTransaction(Transaction):
    """Closes windows of some meters, and corrects closed ones."""

    @abc.abstractmethod
    def closed_until(self, meter):
        """How far a meter's windows are closed, or None."""

    @abc.abstractmethod
    def set_closed_until(self, meter, when):
        """Move a meter's closed horizon to ``when``."""

    @abc.abstractmethod
    def earliest_start(self, resource_type):
        """The start of the earliest period of a type, or None."""

    @abc.abstractmethod
    def dirty_resources(self, resource_type, limit):
        """Resources whose closed windows need recomputing, locked."""

    @abc.abstractmethod
    def clear_dirty(self, states):
        """Clear the marks that no ingest has moved since they were read."""

    @abc.abstractmethod
    def overlapping(self, resource_type, start, end, with_plain=True):
        """(resource, periods) of the resources alive in [start, end).

        Without ``with_plain``, those add_plain_records writes are left
        out.
        """

    @abc.abstractmethod
    def add_plain_records(self, meter, resource_type, start, end, group_of,
                          sinks_matching):
        """Store a lifecycle meter's records of the plain resources.

        A resource is plain in a window when one of its periods spans the
        whole window and no other touches it. ``group_of(project_id,
        user_id, attributes, provenance)`` gives the record of such a
        period (its resource and id left out) and a function of the
        resource id giving the record id, or None when the meter bills
        nothing for it. Each record is stored as revision 1, with an
        outbox entry for every sink ``sinks_matching(record)`` returns
        and the rollup in step, as add_records would. Set-wise: the cost
        in Python is a narrow row and an id per resource. Returns how
        many records were written.
        """

    @abc.abstractmethod
    def current_records(self, meter, pks, start, end):
        """Current revisions of a meter's records of resources in a span."""

    @abc.abstractmethod
    def add_records(self, records, sinks_matching):
        """Store usage records as add_lifecycle stores lifecycle records.

        The usage rollup is kept in step in the same transaction.
        """

    @abc.abstractmethod
    def savepoint(self):
        """A context: what it wraps is undone alone if it raises."""

    @abc.abstractmethod
    def parked(self, meters):
        """The parked groups of ``meters``, as Connection.parked_groups."""

    @abc.abstractmethod
    def park(self, meter, start, end, key, project_id, user_id, attributes,
             reason):
        """Park a group of a window, or count one more attempt of it."""

    @abc.abstractmethod
    def unpark(self, meter, start, key):
        """Forget a parked group: its records are stored."""

    @abc.abstractmethod
    def earliest_sample(self, resource_type, meter_name):
        """The time of the earliest sample of a meter, or None."""

    @abc.abstractmethod
    def samples(self, resource_type, meter_name, start, end, since=None,
                before=False, pks=None):
        """(resource, samples) of the resources a sampled window needs."""
