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
"""The quarantine: notifications that could not become usage (admin)."""

from scsmeteringclient.v1 import base


def _filters(service, reason, since, until):
    return {'service': service, 'reason': reason,
            'since': base.time(since), 'until': base.time(until)}


class QuarantineManager(base.Manager):

    def list(self, service=None, reason=None, since=None, until=None,
             limit=None, marker=None):
        """Entries, oldest first, without their raw messages.

        ``reason`` is a substring of the reason, in any case; ``since``
        and ``until`` bound when the entry was received, [since, until).
        """
        return self._list('/quarantine', 'quarantine',
                          _filters(service, reason, since, until), limit,
                          marker)

    def get(self, entry_id):
        """One entry with its raw message as stored."""
        return self.http.request('GET', '/quarantine/%s' % base.quote(
            entry_id))

    def retry(self, entry_id):
        """Meter one entry again; the report of Manager.retry_many."""
        return self.http.request('POST', '/quarantine/%s/retry' % (
            base.quote(entry_id)))

    def retry_many(self, ids=None, service=None, reason=None, since=None,
                   until=None, limit=None, marker=None):
        """Meter again the entries given or matched, all without filters.

        Returns the report: ``retried`` (id, event_ids of each entry that
        left the quarantine) and ``failing`` (id, reason of each that
        stays), with the totals. Without ``limit``, the calls go on until
        every matching entry was tried; each call takes at most the
        server's page size.
        """
        body = {k: v for k, v in dict(
            _filters(service, reason, since, until), ids=ids).items()
            if v is not None}
        report = {'retried': [], 'failing': [], 'events_stored': 0,
                  'duplicates_skipped': 0, 'next_marker': marker}
        while True:
            if report['next_marker'] is not None:
                body['marker'] = report['next_marker']
            if limit is not None:
                body['limit'] = limit - len(report['retried']) - len(
                    report['failing'])
            found = self.http.request('POST', '/quarantine/retry',
                                      json=body)
            for key in ('retried', 'failing'):
                report[key] += found[key]
            for key in ('events_stored', 'duplicates_skipped'):
                report[key] += found[key]
            report['next_marker'] = found['next_marker']
            done = len(report['retried']) + len(report['failing'])
            if found['next_marker'] is None or (
                    limit is not None and done >= limit):
                return report
