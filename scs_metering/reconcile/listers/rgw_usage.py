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
"""RGW's usage log as deltas, each entry metered once.

radosgw keeps one usage entry per user, bucket, hour and request
category, and adds every later request of that hour into it: an entry is
final only once its hour is over and radosgw has flushed the last of it
(``[rgw] usage_settle`` after the hour). So the log is metered in whole
closed hours, cut at the log's own hour boundaries:

* each entry becomes delta samples (bytes received, bytes sent, requests
  of its category) whose ids are the entry's identity (user, bucket,
  hour, category): reading an hour again, after a crash half-way through
  it or in a poll that overlaps another, stores nothing twice;
* a high-water mark per user and bucket (db/api.py ``poll_marks``) says
  up to which hour it is metered, and a mark of the whole log says where
  the next poll starts. Marks only move forward, and they are raised
  only after the hour's samples are stored.

An entry that cannot be read, or whose user belongs to no project, is
quarantined with its reason (it is no notification, but it is usage that
did not become any, and the operator sees it in the same place).
"""

import datetime
import decimal
import hashlib
import json

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering import events as ev
from scs_metering.reconcile.listers import rgw_tenants
from scs_metering.reconcile import rgw_client

LOG = log.getLogger(__name__)
HOUR = datetime.timedelta(hours=1)
# Samples stored per transaction at most.
FLUSH = 1000
RECEIVED = 'radosgw.objects.incoming.bytes'
SENT = 'radosgw.objects.outgoing.bytes'
REQUESTS = 'radosgw.api.request'
# The name the poller's marks are kept under, and the key of the mark of
# the whole log: every hour before it has been read.
POLLER = 'rgw_usage'
WHOLE_LOG = ''
# The length of poll_marks.key.
MAX_KEY = 512
SERVICE = 'radosgw'
EVENT_TYPE = 'rgw.usage'


def mark_key(user, bucket):
    """The key of the high-water mark of one user's bucket.

    A key too long for its column (poll_marks.key) is its digest, so that
    no odd name can stop the marks of a whole hour from being stored.
    """
    key = '%s/%s' % (user, bucket)
    if len(key) > MAX_KEY:
        return 'sha256:' + hashlib.sha256(key.encode()).hexdigest()
    return key


def _hour(when):
    return timeutils.window_floor(when, 3600)


class UsageLog:
    """Meters the closed hours of the usage log not metered yet."""

    def __init__(self, options, meters, projects):
        self.settle = datetime.timedelta(seconds=options.usage_settle)
        self.lookback = datetime.timedelta(
            seconds=options.first_poll_lookback)
        self.max_hours = options.max_hours_per_poll
        self.trim = options.trim_usage
        self.meters = meters
        self.projects = projects

    def meter(self, admin, ingestor, now, report):
        """Meter every closed hour from the log's mark, up to a bound."""
        if not {RECEIVED, SENT, REQUESTS} & self.meters:
            return
        connection = ingestor.connection
        marks = connection.poll_marks(POLLER)
        cursor = marks.get(WHOLE_LOG)
        if cursor is None:
            # The first poll: where metering starts is remembered, so
            # that the hour it runs in is metered once it closes.
            cursor = _hour(now - self.lookback)
            connection.raise_poll_marks(POLLER, {WHOLE_LOG: cursor})
        closed = _hour(now - self.settle)
        for _i in range(self.max_hours):
            if cursor >= closed:
                break
            self._meter_hour(admin, ingestor, marks, cursor, report)
            cursor += HOUR

    def _meter_hour(self, admin, ingestor, marks, hour, report):
        end = hour + HOUR
        batch, parked, metered = [], [], {WHOLE_LOG: end}
        for entry in admin.usage_entries(hour, end):
            if isinstance(entry, rgw_client.Rejected):
                parked.append(_quarantined(entry.reason, entry.where))
                continue
            report.listed += 1
            if entry.time != hour:
                parked.append(_quarantined(
                    'usage entry of %s outside the hour %s that was asked'
                    % (timeutils.isoformat(entry.time),
                       timeutils.isoformat(hour)), _raw(entry)))
                continue
            key = mark_key(entry.user, entry.bucket)
            until = marks.get(key)
            if until is not None and until >= end:
                continue  # metered by an earlier poll
            metered[key] = end
            if self.projects.ignored_user(entry.owner):
                continue
            try:
                project = self.projects.of(entry.owner)
            except rgw_tenants.Unmapped as exc:
                parked.append(_quarantined(str(exc), _raw(entry)))
                continue
            batch.extend(self._samples(entry, project))
        report.errors += len(parked)
        for reason in sorted({q.reason for q in parked}):
            LOG.warning('RGW usage of %s quarantined: %s',
                        timeutils.isoformat(hour), reason)
        chunks = [batch[i:i + FLUSH] for i in range(0, len(batch), FLUSH)]
        for i, chunk in enumerate(chunks or [[]]):
            ingestor.store(chunk, parked if i == 0 else ())
        report.matched += len(batch)
        # Only now that every sample of the hour is durable.
        ingestor.connection.raise_poll_marks(POLLER, metered)
        marks.update(metered)
        if self.trim:
            admin.trim_usage(end=end)

    def _samples(self, entry, project):
        """The delta samples of one category of one entry."""
        figures = ((RECEIVED, entry.bytes_received, {}),
                   (SENT, entry.bytes_sent, {}),
                   (REQUESTS, entry.ops, {'category': entry.category}))
        end = entry.time + HOUR - datetime.timedelta(seconds=1)
        for meter, value, attributes in figures:
            if not value or meter not in self.meters:
                continue
            yield ev.Event(
                id=ev.stable_id(EVENT_TYPE, entry.user, entry.owner,
                                entry.bucket, entry.epoch, entry.category,
                                meter),
                resource_type=rgw_tenants.RESOURCE_TYPE, resource_id=project,
                action=ev.SAMPLE, time=entry.time, project_id=project,
                attributes=dict(attributes, bucket=entry.bucket),
                meter=meter, volume=decimal.Decimal(value),
                provenance=ev.RECONCILIATION, time_min=entry.time,
                time_max=end, event_type=EVENT_TYPE)


def _raw(entry):
    return json.dumps(dict(entry._asdict(),
                           time=timeutils.isoformat(entry.time)),
                      sort_keys=True)


def _quarantined(reason, raw):
    return ev.Quarantined(reason=reason, raw=raw, service=SERVICE,
                          event_type=EVENT_TYPE)
