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

from stevedore import driver
from stevedore import exception as stevedore_exc
from stevedore import extension

from scs_metering.publisher import base

SINKS_NAMESPACE = 'scs_metering.sinks'
FORMATS_NAMESPACE = 'scs_metering.formats'


def _load(namespace, name, kind, *args):
    try:
        return driver.DriverManager(namespace, name, invoke_on_load=True,
                                    invoke_args=args).driver
    except stevedore_exc.NoMatches:
        known = sorted(extension.ExtensionManager(namespace).names())
        raise base.SinkError('unknown %s %r; available: %s' % (
            kind, name, ', '.join(known) or 'none'))


def load_sink(definition):
    """The driver instance of a sink definition."""
    return _load(SINKS_NAMESPACE, definition['driver'], 'sink driver',
                 definition)


def load_format(name):
    return _load(FORMATS_NAMESPACE, name, 'format')
