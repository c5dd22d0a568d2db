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
"""Finding and loading listers, only when their resource type is reconciled.

Listers are plugins of the ``scs_metering.listers`` entry point namespace
(conf/reconciliation.py validates ``resource_types`` against its names),
named by the resource type they list (base.py says how to write one).
A type without one, or one that is not enabled, is a named error rather
than a run that fails with a KeyError.
"""

from stevedore import driver

from scs_metering.conf import reconciliation as conf_reconciliation


class ListerError(Exception):
    """A lister cannot be had; the message says why and what to do."""


class ListerNotFound(ListerError):
    """No lister is registered for a resource type."""


class ListerNotEnabled(ListerError):
    """A resource type is not in [reconciliation] resource_types."""


def load(conf, definitions, resource_type, enabled=None):
    """The lister of a resource type, instantiated.

    With ``enabled``, a type not in it is refused.
    """
    if enabled is not None and resource_type not in enabled:
        raise ListerNotEnabled(
            'reconciliation of %s is not enabled: add it to '
            '[reconciliation] resource_types' % resource_type)
    known = conf_reconciliation.lister_names()
    if resource_type not in known:
        raise ListerNotFound(
            'no lister for resource type %r; available: %s' % (
                resource_type, ', '.join(known) or 'none'))
    cls = driver.DriverManager(conf_reconciliation.LISTERS,
                               resource_type).driver
    # Instantiated here, not by stevedore, which would log an error of the
    # constructor and report the plugin as missing.
    return cls(conf, definitions)
