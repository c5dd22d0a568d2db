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
"""Object storage in Ceph's RADOS Gateway, polled per project.

RGW sends no notifications. Each poll reads, through the admin ops API
(reconcile/rgw_client.py, options in ``[rgw]``):

* the stats of every user's buckets, summed per project into one sample
  of each gauge (stored bytes, objects), dated by the poll;
* the usage log's closed hours, as deltas of bytes received and sent and
  of requests per category (rgw_usage.py).

RGW users map to projects as rgw_tenants.py says. A user that maps to
no project is parked with its reason, never billed to a guess, and the
run counts it as an error.
"""

import decimal

from oslo_log import log

from scs_metering.common import timeutils
from scs_metering import events as ev
from scs_metering.reconcile import client
from scs_metering.reconcile.listers import base
from scs_metering.reconcile.listers import rgw_tenants
from scs_metering.reconcile.listers import rgw_usage
from scs_metering.reconcile import rgw_client

LOG = log.getLogger(__name__)
RESOURCE_TYPE = rgw_tenants.RESOURCE_TYPE
# The meters the poller feeds, when the definitions have them.
STORED = 'radosgw.objects.size'
OBJECTS = 'radosgw.objects'
# The bucket stats category of the objects users store; rgw.multimeta
# holds only the bookkeeping of unfinished multipart uploads, whose
# parts are in rgw.main already.
MAIN = 'rgw.main'


class ProjectPoller(base.Poller):
    resource_type = RESOURCE_TYPE

    def __init__(self, conf, definitions):
        super().__init__(conf, definitions)
        self.options = conf.rgw
        self.page_size = conf.reconciliation.page_size
        self.meters = {m.name for m in definitions.meters_for(RESOURCE_TYPE)}

    def admin(self):
        """A client of the admin ops API as [rgw] configures it."""
        options = self.options
        if not (options.endpoint and options.access_key and
                options.secret_key):
            raise client.ListingError(
                'rgw_project: set [rgw] endpoint, access_key and '
                'secret_key to poll the RADOS Gateway')
        return rgw_client.AdminClient(
            options.endpoint, options.access_key, options.secret_key,
            admin_entry=options.admin_entry, region=options.region,
            timeout=options.timeout,
            verify=False if options.insecure else (options.cafile or True))

    def poll(self, cloud, ingestor, clock, report):
        if not self.meters:
            raise client.ListingError(
                'rgw_project: the definitions have no meter of it')
        known = None
        if self.options.check_projects:
            known = {p for page in base.project_pages(cloud, self.page_size)
                     for p in page}
        projects = rgw_tenants.Projects(self.options, known)
        admin = self.admin()
        try:
            self._levels(admin, projects, ingestor, clock(), report)
            rgw_usage.UsageLog(self.options, self.meters, projects).meter(
                admin, ingestor, clock(), report)
        finally:
            admin.close()

    def _levels(self, admin, projects, ingestor, when, report):
        """One sample of each gauge per project, from its buckets."""
        gauges = [m for m in (STORED, OBJECTS) if m in self.meters]
        if not gauges:
            return
        totals, parked, broken = {}, [], set()
        for uid in admin.user_ids(self.page_size):
            report.listed += 1
            if projects.ignored_user(uid):
                continue
            try:
                project = projects.of(uid)
            except rgw_tenants.Unmapped as exc:
                parked.append(str(exc))
                continue
            try:
                size, objects = _stored(admin.buckets(uid))
            except rgw_client.NotFound:
                continue  # removed since the listing: it stores nothing
            except ValueError as exc:
                # A part of the project's level is unknown: no level at
                # all, rather than one too low.
                parked.append('RGW user %r: %s' % (uid, exc))
                broken.add(project)
                continue
            level = totals.setdefault(project, [0, 0])
            level[0] += size
            level[1] += objects
        for project in broken:
            totals.pop(project, None)
        for reason in parked:
            LOG.warning('RGW poll: %s; its stored bytes are not metered',
                        reason)
        report.errors += len(parked)
        batch = [self._sample(project, meter, value, when)
                 for project, (size, objects) in sorted(totals.items())
                 for meter, value in ((STORED, size), (OBJECTS, objects))
                 if meter in gauges]
        for start in range(0, len(batch), rgw_usage.FLUSH):
            ingestor.store(batch[start:start + rgw_usage.FLUSH])
        report.matched += len(totals)

    def _sample(self, project, meter, value, when):
        return ev.Event(
            id=ev.stable_id('reconciliation', RESOURCE_TYPE, project, meter,
                            timeutils.isoformat(when)),
            resource_type=RESOURCE_TYPE, resource_id=project,
            action=ev.SAMPLE, time=when, project_id=project, meter=meter,
            volume=decimal.Decimal(value), provenance=ev.RECONCILIATION,
            time_min=when, time_max=when, event_type='rgw.bucket.stats')


def _stored(buckets):
    """(bytes, objects) of a user's buckets; ValueError if unreadable."""
    size = objects = 0
    for bucket in buckets:
        usage = bucket.get('usage') if isinstance(bucket, dict) else None
        if not isinstance(usage, dict):
            raise ValueError('bucket %r has no usage stats' % (
                bucket.get('bucket') if isinstance(bucket, dict) else
                bucket,))
        main = usage.get(MAIN, {})
        values = [main.get('size', 0), main.get('num_objects', 0)]
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int) or (
                    value < 0):
                raise ValueError('bucket %r: %r is not a size' % (
                    bucket.get('bucket'), value))
        size += values[0]
        objects += values[1]
    return size, objects
