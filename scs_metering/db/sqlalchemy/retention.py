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
"""Purging what operators no longer need: delivered entries, quarantine.

``RetentionMixin`` is mixed into the Connection. A purge deletes in
chunks, one transaction each, walking the table by id, so that a large
purge neither holds locks for long nor reads the same rows twice.
Pending and dead outbox entries are never purged: they are records a
sink has not taken yet.
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import models

to_db = timeutils.to_db
# Rows deleted per transaction.
PURGE_CHUNK = 1000


class RetentionMixin:

    def _purge(self, model, condition, chunk):
        deleted, last = 0, None
        while True:
            with self._writer() as session:
                query = sa.select(model.id).where(condition).order_by(
                    model.id).limit(chunk)
                if last is not None:
                    query = query.where(model.id > last)
                ids = list(session.scalars(query))
                if ids:
                    # The condition again: the rows may have changed
                    # since they were read.
                    deleted += session.execute(sa.delete(model).where(
                        model.id.in_(ids), condition)).rowcount
            if len(ids) < chunk:
                return deleted
            last = ids[-1]

    def purge_delivered(self, before, chunk=PURGE_CHUNK):
        """Delete outbox entries delivered before ``before``; how many."""
        outbox = models.Outbox
        return self._purge(outbox, sa.and_(
            outbox.state == api_models.DELIVERED,
            outbox.delivered_at < to_db(before)), chunk)

    def purge_quarantine(self, before=None, ids=None, chunk=PURGE_CHUNK):
        """Delete quarantine entries by age or id; return how many.

        Either ``before``, the time before which they were received, or
        the entries' ``ids``.
        """
        quarantine = models.Quarantine
        if (before is None) == (ids is None):
            raise ValueError('give either a time or ids')
        condition = (quarantine.received_at < to_db(before)
                     if before is not None else quarantine.id.in_(ids))
        return self._purge(quarantine, condition, chunk)
