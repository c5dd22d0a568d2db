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
"""Errors of the metering API as the client raises them.

Each carries the server's message, the HTTP status and the request id, so
that an operator can find the request in the API's log.
"""


class ClientException(Exception):
    """The API answered with an error, or could not be used at all."""

    status_code = None

    def __init__(self, message, status_code=None, request_id=None,
                 method=None, url=None):
        self.message = message
        self.status_code = status_code or self.status_code
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(message)

    def __str__(self):
        text = self.message
        if self.status_code:
            text += ' (HTTP %d)' % self.status_code
        if self.request_id:
            text += ' (Request-ID: %s)' % self.request_id
        return text


class BadRequest(ClientException):
    status_code = 400


class Unauthorized(ClientException):
    status_code = 401


class Forbidden(ClientException):
    status_code = 403


class NotFound(ClientException):
    status_code = 404


class Conflict(ClientException):
    status_code = 409


class RequestEntityTooLarge(ClientException):
    status_code = 413


class UnsupportedMediaType(ClientException):
    status_code = 415


class ServerError(ClientException):
    status_code = 500


class EndpointNotFound(ClientException):
    """The service catalog has no endpoint of the metering API."""


_BY_STATUS = {cls.status_code: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    RequestEntityTooLarge, UnsupportedMediaType)}


def _message(response):
    """The server's message: the API's JSON error, else the answer."""
    try:
        error = response.json()['error']
        return str(error['message'])
    except (ValueError, TypeError, KeyError):
        pass
    # Not the API speaking: a proxy, a load balancer, or another service
    # registered under this endpoint. Its first line says enough.
    text = (response.text or '').strip()
    first = text.splitlines()[0][:200] if text else ''
    reason = '%d %s' % (response.status_code, response.reason or '')
    if first:
        return 'HTTP %s: %s' % (reason.strip(), first)
    return 'HTTP %s' % reason.strip()


def from_response(response, method, url):
    """The exception of an error response."""
    status = response.status_code
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ClientException
    return cls(_message(response), status_code=status,
               request_id=response.headers.get('X-OpenStack-Request-Id'),
               method=method, url=url)
