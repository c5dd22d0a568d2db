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
"""Which records a sink receives."""

# Filter name -> the record attribute it is matched against.
FIELDS = {
    'kinds': 'kind',
    'meters': 'meter',
    'resource_types': 'resource_type',
    'projects': 'project_id',
}


def matches(filters, record, kind='usage'):
    """True if a record passes a sink's filters; an absent filter passes."""
    for name, field in FIELDS.items():
        allowed = (filters or {}).get(name)
        if not allowed:
            continue
        value = kind if field == 'kind' else getattr(record, field)
        if value not in allowed:
            return False
    return True
