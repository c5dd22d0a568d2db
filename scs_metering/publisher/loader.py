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
"""Loading sink drivers and formats by name, only when a sink needs one."""

import functools

from stevedore import driver
from stevedore import exception as stevedore_exc
from stevedore import extension

from scs_metering.publisher import base

SINKS_NAMESPACE = 'scs_metering.sinks'
FORMATS_NAMESPACE = 'scs_metering.formats'


def _load(namespace, name, field, *args):
    if not isinstance(name, str) or not name:
        raise base.SinkError('is required', field)
    try:
        cls = driver.DriverManager(namespace, name).driver
    except stevedore_exc.NoMatches:
        known = sorted(extension.ExtensionManager(namespace).names())
        raise base.SinkError('unknown %s %r; available: %s' % (
            field, name, ', '.join(known) or 'none'), field)
    # Instantiated here, not by stevedore, which would log a SinkError
    # from the constructor and report the plugin as missing.
    return cls(*args)


def load_sink(definition):
    """The driver instance of a sink definition (secrets in clear)."""
    return _load(SINKS_NAMESPACE, definition.get('driver'), 'driver',
                 definition)


def load_format(name, options=None):
    return _load(FORMATS_NAMESPACE, name, 'format', options or {})


@functools.lru_cache(maxsize=None)
def format_class(name):
    """The class of a format, without instantiating it.

    Asked for every record written, in its transaction, so it never
    raises: a format that cannot be loaded is taken to be a plain one
    (base.Format), and its sink shows the load error when it delivers.
    """
    try:
        return driver.DriverManager(FORMATS_NAMESPACE, name).driver
    except Exception:
        return base.Format
