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
"""High-water marks of pollers, mixed into the Connection.

A mark says how far a poller has metered one source. It only moves
forward: the row is locked (or, first, inserted) and raised in the same
transaction, so that a slow poll that commits after a faster one cannot
take a mark back and have the next poll meter a part twice. The events
themselves are idempotent by id; the marks spare re-reading the log.
"""

import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db.sqlalchemy import models
from scs_metering.db.sqlalchemy import rows

Mark = models.PollMark


class MarksMixin:

    def poll_marks(self, poller):
        with self._reader() as session:
            return {key: timeutils.from_db(until) for key, until in
                    session.execute(sa.select(Mark.key, Mark.marked_until)
                                    .where(Mark.poller == poller))}

    @api.retry_on_conflict
    def raise_poll_marks(self, poller, marks):
        # A first mark inserted by another poll at the same time is a
        # duplicate entry: the retry runs again and raises that row.
        if not marks:
            return
        with self._writer() as session:
            held = {}
            for chunk in rows.chunks(sorted(marks)):
                query = sa.select(Mark.key, Mark.marked_until).where(
                    Mark.poller == poller, Mark.key.in_(chunk))
                if self.dialect != 'sqlite':
                    query = query.with_for_update()
                held.update(session.execute(query).all())
            values = [{'poller': poller, 'key': key,
                       'marked_until': timeutils.to_db(until)}
                      for key, until in sorted(marks.items())]
            fresh = [v for v in values if v['key'] not in held]
            if fresh:
                session.execute(sa.insert(Mark), fresh)
            later = [v for v in values if v['key'] in held and
                     held[v['key']] < v['marked_until']]
            if later:
                session.execute(sa.update(Mark), later)
