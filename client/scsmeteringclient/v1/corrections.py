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
"""Corrections of usage, and their audit trail (admin only)."""

from scsmeteringclient.v1 import base


class CorrectionManager(base.Manager):

    def create(self, kind, reason, **fields):
        """Ask for a correction; it is pending until an engine applies it.

        ``fields`` are those of its kind: ``event_id`` (void);
        ``resource_type``, ``resource_id`` and ``time`` (end, start);
        ``quarantine_id`` and ``message``, a dict (remeter).
        """
        body = dict({k: v for k, v in fields.items() if v is not None},
                    kind=kind, reason=reason)
        if 'time' in body:
            body['time'] = base.time(body['time'])
        return self.http.request('POST', '/corrections', json=body)

    def list(self, status=None, resource_type=None, resource_id=None,
             limit=None, marker=None):
        """Corrections in the order they were asked for."""
        return self._list('/corrections', 'corrections', {
            'status': status, 'resource_type': resource_type,
            'resource_id': resource_id}, limit, marker)

    def get(self, correction_id):
        return self.http.request('GET', '/corrections/%s' % base.quote(
            correction_id))
