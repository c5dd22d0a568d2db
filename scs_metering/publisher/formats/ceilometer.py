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
"""Records as the samples Ceilometer's HTTP publisher posts.

Each document has exactly the fields of ``ceilometer.sample.Sample``:
name, type, unit, volume, user_id, project_id, resource_id, timestamp,
resource_metadata, source, id and monotonic_time, so that consumers of
Ceilometer's publisher read it unchanged.

- A usage record is a ``delta`` sample of its meter, stamped at the end
  of its window. Its volume is a JSON number: exact for whole quantities,
  as close as a double gets for others (the native format stays exact).
- A lifecycle record is a ``gauge`` sample named after the resource type,
  as Ceilometer's own existence meters are: volume 1, or 0 once ended or
  voided, stamped at the time of the fact.
- ``id`` is stable per record revision. ``resource_metadata`` holds the
  record's attributes plus an ``scs_metering`` entry with the record id,
  kind, revision, the revision it replaces and the window.
"""

import decimal

from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering import events as ev
from scs_metering.publisher import base

FIELDS = ('name', 'type', 'unit', 'volume', 'user_id', 'project_id',
          'resource_id', 'timestamp', 'resource_metadata', 'source', 'id',
          'monotonic_time')
DEFAULT_SOURCE = 'scs-metering'


def _number(quantity):
    quantity = decimal.Decimal(quantity)
    if quantity == quantity.to_integral_value():
        return int(quantity)
    return float(quantity)


class CeilometerFormat(base.Format):

    def document(self, record):
        kind = models.kind_of(record)
        about = {'record_id': record.id, 'kind': kind,
                 'revision': record.revision, 'replaces': record.replaces}
        if kind == models.USAGE:
            about.update(window_start=timeutils.isoformat(
                record.window_start), window_end=timeutils.isoformat(
                record.window_end))
            name, sample_type, unit = record.meter, 'delta', record.unit
            volume = _number(record.quantity)
            timestamp = record.window_end
        else:
            about['voided'] = record.voided
            name = unit = record.resource_type
            sample_type = 'gauge'
            volume = 0 if record.voided or kind == models.ENDED else 1
            timestamp = record.time
        return {
            'name': name,
            'type': sample_type,
            'unit': unit,
            'volume': volume,
            'user_id': record.user_id,
            'project_id': record.project_id,
            'resource_id': record.resource_id,
            'timestamp': timeutils.isoformat(timestamp),
            'resource_metadata': dict(record.attributes,
                                      scs_metering=about),
            'source': self.options.get('source') or DEFAULT_SOURCE,
            'id': ev.stable_id('ceilometer', record.id, record.revision),
            'monotonic_time': None,
        }
