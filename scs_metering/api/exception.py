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
"""Errors of the API, each with its HTTP status and message template.

Controllers raise these; hooks.ErrorHook is the one place that turns any
exception into a JSON response.
"""

from webob import exc as webob_exc

from scs_metering.common import exception


class APIError(exception.MeteringError):
    code = 500
    template = 'An unexpected error occurred.'

    def __init__(self, message=None, **kwargs):
        self.message = message or self.template % kwargs
        super().__init__(self.message)


class BadRequest(APIError):
    code = 400
    template = '%(reason)s'


class InvalidParameter(BadRequest):
    template = 'Invalid query parameter %(name)s: %(reason)s'


class InvalidBody(BadRequest):
    template = 'Invalid request body: %(reason)s'


class Forbidden(APIError):
    code = 403
    template = 'Policy does not allow %(action)s to be performed.'


class NotFound(APIError):
    code = 404
    template = '%(kind)s %(id)s could not be found.'


class Conflict(APIError):
    code = 409
    template = '%(reason)s'


class BodyTooLarge(APIError):
    code = 413
    template = 'Request body is larger than %(limit)d bytes.'


class UnsupportedMediaType(APIError):
    code = 415
    template = 'Request body must be JSON (application/json), not %(type)s.'


def method_not_allowed(*methods):
    """Refuse a method the resource does not have: 405, with ``Allow``.

    webob's exception rather than an APIError, because the error hook
    keeps its Allow header, which RFC 9110 requires on a 405.
    """
    raise webob_exc.HTTPMethodNotAllowed(allow=list(methods))
