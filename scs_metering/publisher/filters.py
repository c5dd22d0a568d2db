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
accepts everything. ``kinds`` accepts record kinds, and ``lifecycle`` as
a short hand for started, changed and ended. Lifecycle records have no
meter, so a ``meters`` filter keeps them out.
"""

from scs_metering.db import models

LIFECYCLE = 'lifecycle'
KIND_NAMES = models.KINDS + (LIFECYCLE,)

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


def matching_sinks(sinks):
    """A function giving the sinks that take a record.

    ``sinks()`` returns the sinks to choose from; it is called only once
    there is a record to match, so that a transaction that writes none
    never reads them.
    """
    def matching(record):
        return [s for s in sinks() if matches(s['filters'], record)]
    return matching


def matches(filters, record):
    """True if a record passes a sink's filters."""
    for name, field in FIELDS.items():
        allowed = (filters or {}).get(name)
        if not allowed:
            continue
        if field == 'kind':
            kind = models.kind_of(record)
            if kind not in allowed and not (
                    LIFECYCLE in allowed and
                    kind in models.LIFECYCLE_KINDS):
                return False
        elif getattr(record, field, None) not in allowed:
            return False
    return True
