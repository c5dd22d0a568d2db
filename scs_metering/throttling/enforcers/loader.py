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
"""Loading enforcers by name, only when a rule needs one.

Enforcers are stevedore plugins of the ``scs_metering.enforcers``
namespace, loaded lazily: a rule that names one that is not installed,
or not in [throttling] enabled_enforcers, gets an error that says which
and what is available, when it is written (``check_action``) and when
it runs.
"""

from stevedore import driver
from stevedore import exception as stevedore_exc
from stevedore import extension

from scs_metering.throttling.enforcers import clients as clients_
from scs_metering.throttling import errors

NAMESPACE = 'scs_metering.enforcers'


def installed():
    return sorted(extension.ExtensionManager(NAMESPACE).names())


class Loader:
    """Enforcer classes and instances of one configuration."""

    def __init__(self, conf, enabled=None, **clients):
        self.conf = conf
        self.enabled = list(conf.throttling.enabled_enforcers
                            if enabled is None else enabled)
        # Keyword arguments of every enforcer's constructor, such as a
        # shared Clients, or the fakes of a test.
        self.clients = dict(clients)
        self.clients.setdefault('clients', clients_.Clients(conf))
        self._classes = {}
        self._instances = {}

    def cls(self, name):
        """The enforcer class ``name``; EnforcerError if not usable."""
        if name not in self._classes:
            if name not in self.enabled:
                if name in installed():
                    raise errors.EnforcerDisabled(name, self.enabled)
                raise errors.EnforcerNotFound(name, installed())
            try:
                self._classes[name] = driver.DriverManager(
                    NAMESPACE, name).driver
            except stevedore_exc.NoMatches:
                raise errors.EnforcerNotFound(name, installed())
        return self._classes[name]

    def get(self, name):
        """The enforcer ``name``, built once per Loader."""
        if name not in self._instances:
            # Built here, not by stevedore, which would log and swallow an
            # error of the constructor.
            cls = self.cls(name)
            self._instances[name] = cls(self.conf, **self.clients)
        return self._instances[name]

    def check_action(self, name, params, path):
        """Normalised parameters of an action; RuleError if invalid.

        For ``rules.parse_rule``: the error's path is the action's
        ``enforcer`` field when the enforcer cannot be used.
        """
        try:
            cls = self.cls(name)
        except errors.EnforcerError as exc:
            raise errors.RuleError(path.rsplit('/', 1)[0] + '/enforcer',
                                   str(exc))
        return cls.check_params(params, path)
