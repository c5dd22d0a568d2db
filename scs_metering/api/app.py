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
"""Building the WSGI application: pecan app plus middleware."""

from keystonemiddleware import auth_token
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan
from webob import exc as webob_exc

from scs_metering.api.controllers import root
from scs_metering.api import guard
from scs_metering.api import hooks
from scs_metering.api import policy
from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering import metrics

# Answered without a token: version discovery and the health check.
HEALTHCHECK = '/healthcheck'
PUBLIC_PATHS = frozenset(('', '/', HEALTHCHECK))


class AuthProtocol(auth_token.AuthProtocol):
    """keystonemiddleware's auth_token, except for the public paths.

    Its errors are JSON like the API's own: it answers 401 in JSON, but
    503 (Keystone unreachable) and a few others as an HTML page.
    """

    def process_request(self, request):
        if request.path_info in PUBLIC_PATHS:
            return None
        try:
            return super().process_request(request)
        except webob_exc.HTTPException as error:
            if error.content_type == 'application/json':
                raise
            response = hooks.error_response(
                error.code, error.detail or error.explanation)
            for name, value in error.headers.items():
                if name.lower() not in ('content-type', 'content-length'):
                    response.headers[name] = value
            return response


class Request(pecan.Request):
    """pecan's request, whose JSON body pecan itself does not read.

    pecan parses a JSON body while routing, to pass its keys to the
    controller as arguments. No controller here takes them, and that
    parse comes before the policy check and has no depth limit: a deep
    body from any caller was a RecursionError. Controllers read the body
    through validation.body, once authorized; pecan takes the TypeError
    as "no JSON arguments".
    """

    @property
    def json(self):
        raise TypeError('the body is read by the controller')


def setup_app(conf, storage=None, retry_quarantined=None):
    """The pecan application, without middleware."""
    storage = storage or db_api.get_connection(conf)
    return pecan.make_app(
        root.RootController(),
        hooks=[hooks.RequestHook(conf, storage, policy.get_enforcer(conf),
                                 loader.load(conf), retry_quarantined),
               hooks.ErrorHook()],
        request_cls=Request, debug=False, force_canonical=False,
        guess_content_type_from_ext=False)


class _Health:
    """Answers /healthcheck, before authentication; the rest goes on."""

    def __init__(self, app, conf):
        self.app = app
        self.health = healthcheck.Healthcheck(None, conf)

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') == HEALTHCHECK:
            return self.health(environ, start_response)
        return self.app(environ, start_response)


def build_wsgi_app(conf, storage=None, retry_quarantined=None):
    """The application with its middleware, outermost last.

    Without ``retry_quarantined`` (scs_metering.replay's), quarantine
    retries answer 501.
    """
    app = setup_app(conf, storage, retry_quarantined)
    if conf.api.auth_strategy == 'keystone':
        app = AuthProtocol(app, {'oslo_config_config': conf})
    app = _Health(app, conf)
    if conf.metrics.api:
        app = metrics.Middleware(app, conf, db_api.stats_reader(conf))
    app = guard.RequestGuard(app, conf)
    app = cors.CORS(app, conf)
    app = request_id.RequestId(app, conf)
    return http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
