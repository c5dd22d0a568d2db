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
"""The storage interface of scs-metering.

Everything that reads or writes the database goes through a Connection.
The engine coordinates the writes; this module only knows rows.
"""

import abc
import dataclasses
import datetime


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


def get_connection(conf, url=None):
    """The storage connection configured in [database]."""
    from scs_metering.db.sqlalchemy import api as sqlalchemy_api
    return sqlalchemy_api.Connection(conf, url)


class Connection(metaclass=abc.ABCMeta):
    """Operations on the usage store."""

    @abc.abstractmethod
    def upgrade(self, revision='head'):
        """Bring the schema to ``revision``."""

    @abc.abstractmethod
    def version(self):
        """The schema revision, or None for an empty database."""

    @abc.abstractmethod
    def ingest_transaction(self):
        """A context manager giving one write transaction for ingest."""

    @abc.abstractmethod
    def window_transaction(self, meters):
        """A context manager giving one window-closing transaction.

        It holds the closing lock of ``meters`` until it ends, so one
        engine at a time closes and corrects their windows.
        """

    @abc.abstractmethod
    def claim_deliveries(self, sink_id, owner, limit, lease, now,
                         linger=None, concurrency=None):
        """Claim a batch of due outbox entries of a sink for ``lease``."""

    @abc.abstractmethod
    def finish_deliveries(self, sink_id, token, outcome, now, error=None,
                          answer=None, retry_delay=None, entry_ids=None):
        """Record the outcome of a claimed batch."""
