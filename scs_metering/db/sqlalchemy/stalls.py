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
"""Stalled meters, mixed into the Connection.

Written outside the window closer's own transaction, which has just
failed: the record of the failure must survive its rollback.
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db.sqlalchemy import models

Stalled = models.StalledMeter

# The stored reason is cut here: a database error can quote a whole batch.
REASON_LENGTH = 2000


class StallsMixin:

    @api.retry_on_conflict
    def record_stall(self, meters, reason, now=None):
        now = timeutils.to_db(now or timeutils.utcnow())
        reason = reason[:REASON_LENGTH]
        with self._writer() as session:
            held = dict(session.execute(
                sa.select(Stalled.meter, Stalled.attempts).where(
                    Stalled.meter.in_(sorted(meters)))).all())
            for meter in sorted(meters):
                if meter in held:
                    session.execute(sa.update(Stalled).where(
                        Stalled.meter == meter).values(
                        reason=reason, last_attempt=now,
                        attempts=held[meter] + 1))
                else:
                    session.add(Stalled(meter=meter, reason=reason,
                                        since=now, last_attempt=now,
                                        attempts=1))

    def clear_stalls(self, meters):
        with self._writer() as session:
            session.execute(sa.delete(Stalled).where(
                Stalled.meter.in_(sorted(meters))))

    def stalled_meters(self):
        with self._reader() as session:
            return {row.meter: {
                'reason': row.reason,
                'since': timeutils.from_db(row.since),
                'last_attempt': timeutils.from_db(row.last_attempt),
                'attempts': row.attempts}
                for row in session.scalars(sa.select(Stalled))}
