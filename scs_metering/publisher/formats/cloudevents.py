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
"""Records as CloudEvents 1.0, in the JSON event format.

A batch is sent in batched mode (``application/cloudevents-batch+json``):
a JSON array of events in structured form. ``source`` plus ``id`` is
unique per record revision and the same on every resend, so a receiver
can deduplicate on it; a correction is a new event whose data names the
revision it replaces. ``data`` is the record in the native format.
"""

from scs_metering.db import models
from scs_metering.publisher import base
from scs_metering.publisher.formats import native

SPEC_VERSION = '1.0'
DEFAULT_SOURCE = '/scs-metering'
TYPE_PREFIX = 'community.scs.metering.'


class CloudEventsFormat(base.Format):
    content_type = 'application/cloudevents-batch+json'

    def document(self, record):
        kind = models.kind_of(record)
        data = native.record_document(record)
        return {
            'specversion': SPEC_VERSION,
            'id': '%s.%d' % (record.id, record.revision),
            'source': self.options.get('source') or DEFAULT_SOURCE,
            'type': '%s%s.v1' % (TYPE_PREFIX, kind),
            'subject': '%s/%s' % (record.resource_type, record.resource_id),
            'time': data['window_end'] if kind == models.USAGE
            else data['time'],
            'datacontenttype': 'application/json',
            'data': data,
        }
