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
"""The enforcers' calls to Keystone, cinder and neutron.

One keystoneauth session for all of them, from [enforcement], or from
[service_credentials] when [enforcement] names no auth plugin. Every
failure becomes an EnforcerError that says which call failed and
whether trying again can help: a 5xx, a timeout or a refused connection
can; a 4xx (a missing registered limit, cinder refusing a quota below
what is in use, a forbidden call) needs a person or a later state.
"""

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading

from scs_metering.conf import enforcement
from scs_metering.conf import service_credentials
from scs_metering.throttling import errors


def _group(conf):
    if conf[enforcement.GROUP.name].auth_type:
        return enforcement.GROUP.name
    return service_credentials.GROUP.name


class Clients:
    """Adapters by service type, sharing one session (token, pool)."""

    def __init__(self, conf, session=None):
        self.conf = conf
        self._session = session
        self._adapters = {}
        self._identity_prefix = None

    @property
    def session(self):
        if self._session is None:
            group = _group(self.conf)
            try:
                auth = ks_loading.load_auth_from_conf_options(self.conf,
                                                              group)
            except ks_exc.ClientException as exc:
                raise errors.EnforcerError('[%s]: %s' % (group, exc),
                                           retry=False)
            self._session = ks_loading.load_session_from_conf_options(
                self.conf, group, auth=auth)
        return self._session

    def adapter(self, service_type):
        if service_type not in self._adapters:
            section = self.conf[enforcement.GROUP.name]
            override = section.endpoint_overrides.get(service_type)
            self._adapters[service_type] = (
                ks_loading.load_adapter_from_conf_options(
                    self.conf, enforcement.GROUP.name, session=self.session,
                    service_type=service_type, endpoint_override=override))
        return self._adapters[service_type]

    def identity(self, method, path, **kwargs):
        """A call to Keystone's v3 API, ``path`` without the /v3.

        Catalogs name Keystone with or without the version in its URL.
        """
        if self._identity_prefix is None:
            try:
                endpoint = self.adapter('identity').get_endpoint() or ''
            except ks_exc.ClientException as exc:
                raise errors.EnforcerError('identity: no endpoint: %s' % exc)
            self._identity_prefix = (
                '' if endpoint.rstrip('/').endswith('/v3') else '/v3')
        return self.call('identity', method, self._identity_prefix + path,
                         **kwargs)

    def call(self, service_type, method, path, **kwargs):
        """The JSON body of a call (None if empty); EnforcerError if not."""
        try:
            response = self.adapter(service_type).request(
                path, method, **kwargs)
        except ks_exc.HttpError as exc:
            raise errors.EnforcerError(
                '%s %s %s: HTTP %s: %s' % (service_type, method, path,
                                           exc.http_status, _message(exc)),
                retry=exc.http_status >= 500)
        except ks_exc.ClientException as exc:
            raise errors.EnforcerError('%s %s %s: %s' % (
                service_type, method, path, exc.__class__.__name__
                if not str(exc) else exc))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise errors.EnforcerError('%s %s %s: the answer is not JSON' % (
                service_type, method, path))


def _message(exc):
    """The service's own words: the message of its error body."""
    response = getattr(exc, 'response', None)
    try:
        body = response.json()
    except (AttributeError, ValueError):
        return exc.message or exc.__class__.__name__
    if isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and inner.get('message'):
            # {"badRequest": {"message": ...}} (cinder),
            # {"NeutronError": {"message": ...}},
            # {"error": {"message": ...}} (keystone)
            return inner['message']
    return exc.message or str(body)
