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
"""Named errors of throttling.

Document errors reuse billing's DocumentError, so that the API turns
every invalid document, a price list or a rule, into one kind of 400
that names the field at fault (``path``).
"""

from scs_metering.rating import errors

join = errors.join


class RuleError(errors.DocumentError):
    """A rule document is invalid; ``path`` names the field."""


class RunError(Exception):
    """A run cannot read what it decides on; it decides nothing."""


class EnforcerError(Exception):
    """An enforcer cannot be used, or failed to do its work.

    ``retry`` says whether the same work may succeed later (a service
    down, a race with usage) or needs a person (a missing registered
    limit, a refused credential).
    """

    def __init__(self, message, retry=True):
        super().__init__(message)
        self.retry = retry


class EnforcerNotFound(EnforcerError):
    """No enforcer of that name is installed."""

    def __init__(self, name, known):
        super().__init__('unknown enforcer %r; installed: %s' % (
            name, ', '.join(known) or 'none'), retry=False)
        self.name = name


class EnforcerDisabled(EnforcerError):
    """The enforcer is installed but not in [throttling] enabled_enforcers."""

    def __init__(self, name, enabled):
        super().__init__('enforcer %r is disabled; enabled: %s (see '
                         '[throttling] enabled_enforcers)' % (
                             name, ', '.join(enabled) or 'none'),
                         retry=False)
        self.name = name
