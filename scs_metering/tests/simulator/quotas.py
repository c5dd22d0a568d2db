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
"""Simulated quota APIs of cinder and neutron, on loopback. A TEST TOOL.

The shapes are the real API samples, copied unchanged into
``templates/quotas`` from the shared fixtures (api/SOURCES.md: cinder
api-ref quotas-show[-usage]-response.json at ab09bc39, neutron-lib
api-ref quotas-list-for-project-response.json and
quota-details-show-for-project-response.json at 6cd671a8). Each new
project starts with the samples' limits and nothing in use.

What the services do, and so the simulation:

cinder, ``/volume/v3/{admin project}/os-quota-sets/{project}``
    GET answers {"quota_set": {resource: limit, "id": project}}, with
    ``?usage=True`` {resource: {in_use, limit, reserved}}. PUT
    {"quota_set": {resource: limit}} answers the whole set without
    ``id``, or 400 {"badRequest": {"code": 400, "message": ...}} when a
    limit is below in_use + reserved (-1 excepted), as
    cinder/api/contrib/quotas.py ``_validate_existing_resource`` and the
    Fault wrapper of cinder/api/openstack/wsgi.py do at ab09bc39. No
    sample of that error body exists in the fixtures; its shape is read
    off that code.
neutron, ``/network/v2.0/quotas/{project}[/details.json]``
    GET answers {"quota": {resource: limit}}, details {resource: {used,
    limit, reserved}}. PUT {"quota": {resource: limit}} answers the new
    limits, or 400 {"NeutronError": {"type": "HTTPBadRequest",
    "message": ..., "detail": ""}} when a limit is below what is used,
    unless "force" is JSON true (neutron/extensions/quotasv2.py
    ``update`` and neutron/api/api_common.py at 2131d26f). No sample of
    that error body exists either.

Any non-empty X-Auth-Token is accepted: Keystone is not simulated here.
"""

import copy
import http.server
import json
import os
import threading
from urllib import parse

TEMPLATES = os.path.join(os.path.dirname(__file__), 'templates', 'quotas')
CINDER = '/volume/v3/%s/os-quota-sets/'
NEUTRON = '/network/v2.0/quotas/'
UNLIMITED = -1


def _template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return json.load(f)


class QuotaAPI:
    """cinder's and neutron's quota state, served by a thread."""

    def __init__(self, admin_project='a6944d763bf64ee6a275f1263fae0352',
                 host='127.0.0.1', port=0):
        self.admin_project = admin_project
        usage = _template('cinder-quota-set-show-usage-resp.json')
        self._cinder_new = {k: dict(v, in_use=0, reserved=0)
                            for k, v in usage['quota_set'].items()
                            if isinstance(v, dict)}
        limits = _template('neutron-quota-show-resp.json')['quota']
        self._neutron_new = {k: {'used': 0, 'limit': v, 'reserved': 0}
                             for k, v in limits.items()}
        self.quotas = {'cinder': {}, 'neutron': {}}
        # (method, path, body) of every request, for tests to count.
        self.requests = []
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer((host, port),
                                                      _handler(self))
        self.server.daemon_threads = True
        self.base = 'http://%s:%d' % self.server.server_address
        self._thread = None

    @property
    def cinder_endpoint(self):
        return '%s/volume/v3/%s' % (self.base, self.admin_project)

    @property
    def neutron_endpoint(self):
        return self.base + '/network'

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name='simulated-quotas', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def project(self, service, project_id):
        """The quota state of a project: {resource: {limit, used...}}."""
        new = self._cinder_new if service == 'cinder' else self._neutron_new
        return self.quotas[service].setdefault(project_id,
                                               copy.deepcopy(new))

    def set_usage(self, service, project_id, resource, used, reserved=0):
        with self.lock:
            entry = self.project(service, project_id)[resource]
            entry['in_use' if service == 'cinder' else 'used'] = used
            entry['reserved'] = reserved

    def set_limit(self, service, project_id, resource, limit):
        """A change by hand, behind the enforcer's back."""
        with self.lock:
            self.project(service, project_id)[resource]['limit'] = limit

    def limit(self, service, project_id, resource):
        with self.lock:
            return self.project(service, project_id)[resource]['limit']

    def writes(self):
        return [r for r in self.requests if r[0] == 'PUT']


def _cinder_put(api, project_id, body):
    quota_set = body.get('quota_set') if isinstance(body, dict) else None
    if not isinstance(quota_set, dict) or not quota_set:
        return 400, 'Invalid input for field/attribute quota_set.'
    state = api.project('cinder', project_id)
    for key, value in quota_set.items():
        if key not in state or isinstance(value, bool) or not isinstance(
                value, int) or value < UNLIMITED:
            return 400, 'Invalid input for field/attribute %s.' % key
        used = state[key]['in_use'] + state[key]['reserved']
        if key != 'per_volume_gigabytes' and value != UNLIMITED and (
                value < used):
            return 400, ('Quota %s limit must be equal or greater than '
                         'existing resources. Current usage is %s and the '
                         'requested limit is %s.' % (key, used, value))
    for key, value in quota_set.items():
        state[key]['limit'] = value
    return 200, {'quota_set': {k: v['limit'] for k, v in state.items()}}


def _neutron_put(api, project_id, body):
    quota = dict(body.get('quota') or {}) if isinstance(body, dict) else {}
    force = quota.pop('force', None)
    quota.pop('check_limit', None)
    state = api.project('neutron', project_id)
    for key, value in quota.items():
        if key not in state or isinstance(value, bool) or not isinstance(
                value, int) or value < UNLIMITED:
            return 400, 'Invalid input for %s.' % key
        used = state[key]['used']
        if force is not True and value != UNLIMITED and used > value:
            return 400, ('Quota limit %s for %s must be greater than or '
                         'equal to already used %s' % (value, key, used))
    for key, value in quota.items():
        state[key]['limit'] = value
    return 200, {'quota': {k: v['limit'] for k, v in state.items()}}


def _handler(api):

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, service, status, message):
            if service == 'cinder':
                name = {400: 'badRequest', 404: 'itemNotFound'}[status]
                return self._send(status, {name: {'code': status,
                                                  'message': message}})
            return self._send(status, {'NeutronError': {
                'type': {400: 'HTTPBadRequest', 404: 'HTTPNotFound'}[
                    status], 'message': message, 'detail': ''}})

        def _route(self):
            """(service, project, details) of the request path."""
            url = parse.urlsplit(self.path)
            cinder = CINDER % api.admin_project
            if url.path.startswith(cinder):
                return 'cinder', url.path[len(cinder):], dict(
                    parse.parse_qsl(url.query))
            if url.path.startswith(NEUTRON):
                rest = url.path[len(NEUTRON):]
                details = rest.endswith('/details.json')
                return 'neutron', rest[:-len('/details.json')] if details \
                    else rest, {'details': details}
            return None, None, None

        def _serve(self, method):
            length = int(self.headers.get('Content-Length') or 0)
            raw = self.rfile.read(length) if length else b''
            body = json.loads(raw) if raw else None
            api.requests.append((method, self.path, body))
            if not self.headers.get('X-Auth-Token'):
                return self._send(401, {'error': {'code': 401,
                                                  'message': 'Unauthorized'}})
            service, project, query = self._route()
            if not project or '/' in project:
                return self._send(404, {'error': 'not found'})
            with api.lock:
                state = api.project(service, project)
                if method == 'PUT':
                    status, answer = (_cinder_put if service == 'cinder'
                                      else _neutron_put)(api, project, body)
                    if status != 200:
                        return self._error(service, status, answer)
                    return self._send(200, answer)
                if service == 'cinder':
                    usage = query.get('usage', '').lower() in ('true', '1')
                    answer = {k: dict(v) if usage else v['limit']
                              for k, v in state.items()}
                    answer['id'] = project
                    return self._send(200, {'quota_set': answer})
                return self._send(200, {'quota': {
                    k: dict(v) if query['details'] else v['limit']
                    for k, v in state.items()}})

        def do_GET(self):
            self._serve('GET')

        def do_PUT(self):
            self._serve('PUT')

    return Handler
