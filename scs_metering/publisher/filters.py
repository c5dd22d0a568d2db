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
"""Which records a sink receives.

Each filter is a list of accepted values; an absent or empty filter
accepts everything, with one exception: without a ``kinds`` filter a
sink receives the kinds its format takes by default. For native,
ceilometer and cloudevents those are usage and lifecycle records, as
before billing existed; billing records (rated_usage, invoice.finalized,
invoice.voided) go only to sinks that name them, or ``billing`` for all
three, and by default to the focus and lago formats, which render only
those. ``lifecycle`` is a short hand for started, changed and ended.
Lifecycle records and invoices have no meter, so a ``meters`` filter
keeps them out.
"""

from scs_metering.db import models
from scs_metering.publisher import loader

LIFECYCLE = 'lifecycle'
BILLING = 'billing'
SHORT_HANDS = {LIFECYCLE: models.LIFECYCLE_KINDS,
               BILLING: models.BILLING_KINDS}
KIND_NAMES = models.KINDS + models.BILLING_KINDS + (LIFECYCLE, BILLING)

# Filter name -> the record attribute it is matched against.
FIELDS = {
    'kinds': 'kind',
    'meters': 'meter',
    'resource_types': 'resource_type',
    'projects': 'project_id',
}


def validate(filters):
    """Problems of a filters mapping, as (field, message) pairs."""
    if not isinstance(filters, dict):
        return [('filters', 'must be a mapping of filter name to list')]
    problems = []
    for name, allowed in sorted(filters.items()):
        field = 'filters.%s' % name
        if name not in FIELDS:
            problems.append((field, 'unknown filter; known: %s' % ', '.join(
                sorted(FIELDS))))
        elif not isinstance(allowed, list) or not all(
                isinstance(v, str) and v for v in allowed):
            problems.append((field, 'must be a list of strings'))
        elif name == 'kinds' and set(allowed) - set(KIND_NAMES):
            problems.append((field, 'unknown kinds %s; known: %s' % (
                ', '.join(sorted(set(allowed) - set(KIND_NAMES))),
                ', '.join(KIND_NAMES))))
    return problems


def kinds(names):
    """The record kinds a ``kinds`` filter names, short hands expanded."""
    found = set()
    for name in names:
        found.update(SHORT_HANDS.get(name, (name,)))
    return found


def matching_sinks(sinks):
    """A function giving the sinks that take a record.

    ``sinks()`` returns the sinks to choose from; it is called only once
    there is a record to match, so that a transaction that writes none
    never reads them.
    """
    def matching(record):
        return [s for s in sinks() if takes(s, record)]
    return matching


def takes(sink, record):
    """True if a sink receives a record: its format's kinds, its filters."""
    return matches(sink['filters'], record,
                   loader.format_class(sink['format']).default_kinds)


def matches(filters, record, default_kinds=models.KINDS):
    """True if a record passes a sink's filters.

    ``default_kinds`` are the kinds accepted without a ``kinds`` filter.
    """
    kind = models.kind_of(record)
    if not (filters or {}).get('kinds') and kind not in default_kinds:
        return False
    for name, field in FIELDS.items():
        allowed = (filters or {}).get(name)
        if not allowed:
            continue
        if field == 'kind':
            if kind not in kinds(allowed):
                return False
        elif getattr(record, field, None) not in allowed:
            return False
    return True
