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
"""Pecan hooks: what every request carries, and how errors look."""

import json

from oslo_context import context as oslo_context
from oslo_log import log
import pecan
from pecan import hooks
import webob
from webob import exc as webob_exc

from scs_metering.api import exception
from scs_metering.common import exception as common_exception

LOG = log.getLogger(__name__)


class RequestHook(hooks.PecanHook):
    """Puts config, storage, enforcer, definitions, caller on requests.

    ``retry_quarantined`` is scs_metering.replay.retry_quarantined, handed
    in by the process that builds the application (the API may not import
    the agent's and engine's code it uses).
    """

    def __init__(self, conf, storage, enforcer, definitions,
                 retry_quarantined=None):
        self.conf = conf
        self.storage = storage
        self.enforcer = enforcer
        self.definitions = definitions
        self.retry_quarantined = retry_quarantined

    def before(self, state):
        request = state.request
        request.conf = self.conf
        request.storage = self.storage
        request.enforcer = self.enforcer
        request.definitions = self.definitions
        request.retry_quarantined = self.retry_quarantined
        # Identity comes from the headers keystonemiddleware sets after
        # checking the token; it strips any a client sent itself.
        request.context = oslo_context.RequestContext.from_environ(
            request.environ)
        limit = self.conf.api.max_request_body_size
        if (request.content_length or 0) > limit:
            raise exception.BodyTooLarge(limit=limit)


def error_response(code, message):
    title = webob_exc.status_map.get(code, webob_exc.HTTPServerError).title
    response = webob.Response(status=code, content_type='application/json',
                              charset='utf-8')
    response.text = json.dumps({'error': {
        'code': code, 'title': title, 'message': message}})
    return response


def _convert(error):
    """(status, message) of any exception raised while serving."""
    if isinstance(error, common_exception.MeteringError):
        # The API's own errors and those of the packages it calls, each
        # with its status.
        return error.code, error.client_message
    if isinstance(error, webob_exc.HTTPMethodNotAllowed):
        return error.code, 'Method %s is not allowed here; allowed: %s.' % (
            pecan.request.method, ', '.join(error.allow or ()))
    if isinstance(error, webob_exc.HTTPException):
        return error.code, error.explanation or error.title
    if isinstance(error, UnicodeDecodeError):
        return 400, 'The request is not valid UTF-8.'
    LOG.exception('Unexpected error serving %s %s', pecan.request.method,
                  pecan.request.path)
    return 500, exception.APIError.template


class ErrorHook(hooks.PecanHook):
    """The one place where exceptions become JSON error responses."""

    def on_error(self, state, error):
        code, message = _convert(error)
        response = error_response(code, message)
        if isinstance(error, webob_exc.HTTPMethodNotAllowed):
            response.allow = error.allow
        return response
