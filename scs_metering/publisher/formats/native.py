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
"""The native record format, described by doc/source/schemas/native.json."""

import json

from scs_metering.common import timeutils
from scs_metering.publisher import base

SCHEMA_VERSION = '1.0'


def record_document(record, kind='usage'):
    return {
        'schema_version': SCHEMA_VERSION,
        'kind': kind,
        'id': record.id,
        'revision': record.revision,
        'replaces': record.replaces,
        'meter': record.meter,
        'unit': record.unit,
        # A string, so that no JSON reader turns it into a float.
        'quantity': str(record.quantity),
        'resource_type': record.resource_type,
        'resource_id': record.resource_id,
        'project_id': record.project_id,
        'user_id': record.user_id,
        'window_start': timeutils.isoformat(record.window_start),
        'window_end': timeutils.isoformat(record.window_end),
        'attributes': record.attributes,
        'provenance': record.provenance,
        'created_at': timeutils.isoformat(record.created_at),
    }


class NativeFormat(base.Format):
    content_type = 'application/json'

    def document(self, record):
        return record_document(record)

    def encode(self, documents):
        return json.dumps(documents, sort_keys=True,
                          separators=(',', ':')).encode()
