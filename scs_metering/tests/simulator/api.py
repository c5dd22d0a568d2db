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
"""The simulated cloud's HTTP APIs, on loopback. A TEST TOOL.

Keystone's token call (a real v3 token body and X-Subject-Token header)
gives a catalog of the other services, which list their resources in the
formats of the real API samples, with each service's own pagination. The
product reaches them through keystoneauth exactly as it reaches a real
cloud. Faults can be injected per path: an error status, a hang past the
client's timeout, an empty listing, a body that is not JSON.
"""

import copy
import dataclasses
import http.server
import json
import os
import threading
import time
from urllib import parse
import uuid

from scs_metering.common import timeutils

TEMPLATES = os.path.join(os.path.dirname(__file__), 'templates')
MAX_LIMIT = 1000
STATUS = {'active': 'ACTIVE', 'resized': 'VERIFY_RESIZE',
          'soft-delete': 'SOFT_DELETED', 'deleted': 'DELETED'}


def template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return json.load(f)


def _z(when):
    return timeutils.isoformat(when)


def _naive(when):
    # Nova's launch times, cinder's, octavia's and designate's: no zone,
    # with microseconds.
    return None if when is None else when.strftime('%Y-%m-%dT%H:%M:%S.%f')


@dataclasses.dataclass
class Fault:
    """Break requests whose path contains ``path`` after ``skip`` pass."""

    path: str
    kind: str = 'status'  # status | timeout | empty | garbage
    status: int = 500
    skip: int = 0
    times: int = None  # None: until removed
    delay: float = 5.0


class Renderer:
    """API items of simulated resources, from the real samples."""

    def __init__(self):
        self.templates = {name[:-5]: template(os.path.join('api', name))
                          for name in os.listdir(os.path.join(TEMPLATES,
                                                              'api'))}

    def flavors(self):
        return copy.deepcopy(self.templates['flavor'])

    def server(self, r):
        item = copy.deepcopy(self.templates['server'])
        a = r.attributes
        item.update({
            'id': r.resource_id, 'name': r.name, 'tenant_id': r.project_id,
            'user_id': r.user_id, 'created': _z(r.created_at),
            'updated': _z(r.updated_at),
            'OS-SRV-USG:launched_at': _naive(r.launched_at),
            'OS-SRV-USG:terminated_at': _naive(r.deleted_at),
            'OS-EXT-STS:vm_state': a['state'],
            'status': STATUS.get(a['state'], a['state'].upper())})
        item['flavor'].update({
            'original_name': a['flavor_name'], 'vcpus': a['vcpus'],
            'ram': a['memory_mb'], 'disk': a['root_gb'],
            'ephemeral': a['ephemeral_gb']})
        return item

    def _common(self, kind, r, created, updated, **values):
        # Like the real services, the APIs stamp the creation request,
        # before a volume, snapshot or image is usable.
        item = copy.deepcopy(self.templates[kind])
        item.update({'id': r.resource_id, 'name': r.name,
                     created[0]: created[1](r.created_at),
                     updated[0]: updated[1](r.updated_at)}, **values)
        return item

    def volume(self, r):
        a = r.attributes
        return self._common(
            'volume', r, ('created_at', _naive), ('updated_at', _naive),
            **{'os-vol-tenant-attr:tenant_id': r.project_id,
               'user_id': r.user_id, 'status': a['state'],
               'size': a['size'], 'volume_type_id': a['volume_type']})

    def snapshot(self, r):
        return self._common(
            'snapshot', r, ('created_at', _naive), ('updated_at', _naive),
            **{'os-extended-snapshot-attributes:project_id': r.project_id,
               'user_id': r.user_id, 'status': r.attributes['state'],
               'size': r.attributes['size']})

    def backup(self, r):
        return self._common(
            'backup', r, ('created_at', _naive), ('updated_at', _naive),
            **{'os-backup-project-attr:project_id': r.project_id,
               'user_id': r.user_id, 'status': r.attributes['state'],
               'size': r.attributes['size']})

    def floating_ip(self, r):
        return self._common(
            'floatingip', r, ('created_at', _z), ('updated_at', _z),
            project_id=r.project_id, tenant_id=r.project_id,
            status=r.attributes['state'],
            port_id=r.attributes.get('port_id'))

    def router(self, r):
        item = self._common(
            'router', r, ('created_at', _z), ('updated_at', _z),
            project_id=r.project_id, tenant_id=r.project_id,
            status=r.attributes['state'])
        network = r.attributes.get('external_network_id')
        if network is None:
            item['external_gateway_info'] = None
        else:
            item['external_gateway_info']['network_id'] = network
        return item

    def image(self, r):
        item = self._common(
            'image', r, ('created_at', _z), ('updated_at', _z),
            owner=r.project_id, status=r.attributes['state'],
            size=r.attributes['size'])
        item['self'] = '/v2/images/%s' % r.resource_id
        item['file'] = '/v2/images/%s/file' % r.resource_id
        return item

    def loadbalancer(self, r):
        return self._common(
            'loadbalancer', r, ('created_at', _naive),
            ('updated_at', _naive), project_id=r.project_id,
            provisioning_status=r.attributes['state'],
            flavor_id=r.attributes.get('flavor_id', ''))

    def dns_zone(self, r):
        return self._common(
            'zone', r, ('created_at', _naive), ('updated_at', _naive),
            project_id=r.project_id, status=r.attributes['state'],
            name='%s.example.org.' % r.name)

    def project(self, project_id, base):
        item = copy.deepcopy(self.templates['project'])
        item.update({'id': project_id, 'name': project_id,
                     'links': {'self': '%s/identity/v3/projects/%s' % (
                         base, project_id)}})
        return item


# Listing routes: path suffix -> (resource type, collection, style).
# Styles: the API whose pagination a listing follows.
ROUTES = {
    ('compute', '/servers/detail'): ('instance', 'servers', 'nova'),
    ('block-storage', '/volumes/detail'): ('volume', 'volumes', 'nova'),
    ('block-storage', '/snapshots/detail'): ('snapshot', 'snapshots',
                                             'nova'),
    ('block-storage', '/backups/detail'): ('backup', 'backups', 'nova'),
    ('network', '/v2.0/floatingips'): ('floating_ip', 'floatingips',
                                       'neutron'),
    ('network', '/v2.0/routers'): ('router', 'routers', 'neutron'),
    ('image', '/v2/images'): ('image', 'images', 'glance'),
    ('load-balancer', '/v2/lbaas/loadbalancers'): (
        'loadbalancer', 'loadbalancers', 'neutron'),
    ('dns', '/v2/zones'): ('dns_zone', 'zones', 'designate'),
}
# Where each service lives on the simulator: the catalog URL's path.
PREFIXES = {
    'identity': '/identity/v3',
    'compute': '/compute/v2.1',
    'block-storage': '/volume/v3/{project}',
    'network': '/network',
    'image': '/image',
    'load-balancer': '/load-balancer',
    'dns': '/dns',
    'object-store': '/object-store/v1/AUTH_{project}',
}


class SimulatedAPI:
    """The HTTP server of a simulated cloud, in a thread of its own."""

    def __init__(self, cloud, admin_project='a6944d763bf64ee6a275f1263fae0352',
                 host='127.0.0.1', port=0):
        self.cloud = cloud
        self.admin_project = admin_project
        self.renderer = Renderer()
        self.faults = []
        self.requests = []
        self.tokens = set()
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(
            (host, port), _handler(self))
        self.server.daemon_threads = True
        self.base = 'http://%s:%d' % self.server.server_address
        self._thread = None

    @property
    def auth_url(self):
        return self.base + PREFIXES['identity']

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name='simulated-api', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def inject(self, fault):
        with self._lock:
            self.faults.append(fault)
        return fault

    def remove(self, fault):
        with self._lock:
            self.faults.remove(fault)

    def clear_faults(self):
        with self._lock:
            self.faults = []

    def catalog(self):
        entries = []
        for service_type, prefix in sorted(PREFIXES.items()):
            url = self.base + prefix.format(project=self.admin_project)
            entries.append({
                'type': service_type, 'name': service_type,
                'id': uuid.uuid5(uuid.NAMESPACE_URL, url).hex,
                'endpoints': [{
                    'id': uuid.uuid5(uuid.NAMESPACE_URL,
                                     url + interface).hex,
                    'interface': interface, 'region': 'RegionOne',
                    'region_id': 'RegionOne', 'url': url}
                    for interface in ('public', 'internal', 'admin')]})
        return entries

    def fault_for(self, path):
        with self._lock:
            for fault in self.faults:
                if fault.path not in path:
                    continue
                if fault.skip:
                    fault.skip -= 1
                    return None
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                return fault
        return None


def _handler(api):

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        # An "empty" fault found for this request, if any.
        fault = None

        def log_message(self, *args):
            pass

        def _send(self, status, body=None, headers=None, raw=None):
            data = raw if raw is not None else (
                b'' if body is None else json.dumps(body).encode())
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None or raw is not None:
                    self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout played on purpose)

        def _authorized(self):
            if self.headers.get('X-Auth-Token') in api.tokens:
                return True
            self._send(401, {'error': {'code': 401,
                                       'message': 'Unauthorized'}})
            return False

        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = json.loads(self.rfile.read(length) or b'{}')
            if self.path != PREFIXES['identity'] + '/auth/tokens':
                return self._send(404, {'error': 'not found'})
            password = body.get('auth', {}).get('identity', {}).get(
                'password', {}).get('user', {}).get('password')
            if not password:
                return self._send(401, {'error': {'code': 401}})
            token = uuid.uuid4().hex
            api.tokens.add(token)
            reply = template(os.path.join('api', 'token.json'))
            now = timeutils.utcnow()
            reply['token'].update({
                'catalog': api.catalog(),
                'issued_at': timeutils.isoformat(now),
                'expires_at': '2999-01-01T00:00:00.000000Z'})
            reply['token']['project']['id'] = api.admin_project
            self._send(201, reply, {'X-Subject-Token': token})

        def do_HEAD(self):
            if not self._authorized():
                return
            url = parse.urlsplit(self.path)
            api.requests.append(('HEAD', url.path))
            prefix = '/object-store/v1/AUTH_'
            if not url.path.startswith(prefix):
                return self._send(404)
            if self._fault(url.path):
                return
            project = url.path[len(prefix):]
            accounts = {r.project_id: r for r in api.cloud.live(
                'swift_account')}
            if project not in accounts:
                return self._send(404)
            headers = dict(template(os.path.join(
                'api', 'account_head.json'))['headers'])
            headers['X-Account-Bytes-Used'] = str(
                accounts[project].attributes['bytes'])
            headers.pop('Content-Length')
            self._send(204, headers=headers)

        def _fault(self, path):
            fault = api.fault_for(path)
            if fault is None or fault.kind == 'empty':
                self.fault = fault
                return False
            if fault.kind == 'timeout':
                time.sleep(fault.delay)
                self._send(503, {'error': 'too late'})
            elif fault.kind == 'garbage':
                self._send(200, raw=b'<html>Service Unavailable</html>')
            else:
                self._send(fault.status, {'error': {
                    'code': fault.status, 'message': 'injected fault'}})
            return True

        def do_GET(self):
            if not self._authorized():
                return
            url = parse.urlsplit(self.path)
            query = dict(parse.parse_qsl(url.query,
                                         keep_blank_values=True))
            api.requests.append(('GET', self.path))
            if self._fault(url.path):
                return
            for (service, suffix), route in ROUTES.items():
                prefix = PREFIXES[service].format(project=api.admin_project)
                if url.path == prefix + suffix:
                    return self._list(service, prefix, suffix, route, query)
            if url.path == PREFIXES['compute'] + '/flavors/detail':
                return self._send(200, {'flavors': api.renderer.flavors()})
            if url.path == PREFIXES['identity'] + '/projects':
                return self._projects(query)
            self._send(404, {'error': 'not found'})

        def _select(self, resource_type, query):
            if resource_type != 'instance':
                return api.cloud.live(resource_type)
            servers = api.cloud.all('instance')
            since = timeutils.parse(query.get('changes-since'))
            if query.get('deleted', '').lower() in ('true', '1'):
                servers = [s for s in servers
                           if s.deleted_at is not None or
                           s.attributes['state'] == 'soft-delete']
            elif query.get('status') == 'SOFT_DELETED':
                servers = [s for s in servers
                           if s.attributes['state'] == 'soft-delete']
            elif since is None:
                servers = [s for s in servers if s.deleted_at is None and
                           s.attributes['state'] != 'soft-delete']
            if since is not None:
                servers = [s for s in servers if s.updated_at >= since]
            return servers

        def _page(self, resources, query):
            limit = min(int(query.get('limit') or MAX_LIMIT), MAX_LIMIT)
            ordered = sorted(resources, key=lambda r: r.resource_id)
            marker = query.get('marker')
            if marker:
                ordered = [r for r in ordered if r.resource_id > marker]
            return ordered[:limit], limit, len(ordered) > limit

        def _list(self, service, prefix, suffix, route, query):
            resource_type, collection, style = route
            resources = self._select(resource_type, query)
            if self.fault is not None:
                resources = []
            page, limit, more = self._page(resources, query)
            render = getattr(api.renderer, 'server' if resource_type ==
                             'instance' else resource_type)
            body = {collection: [render(r) for r in page]}
            # nova and cinder announce a next page whenever a page is
            # full, so the last page can be empty.
            full = len(page) == limit
            href = None
            if page and (full if style == 'nova' else more):
                following = dict(query, limit=str(limit),
                                 marker=page[-1].resource_id)
                href = '%s%s%s?%s' % (api.base, prefix, suffix,
                                      parse.urlencode(following))
            if style in ('nova', 'neutron') and href:
                body['%s_links' % collection] = [{'href': href,
                                                  'rel': 'next'}]
            elif style == 'glance':
                body.update(first='/v2/images', schema='/v2/schemas/images')
                if href:
                    body['next'] = href[len(api.base + prefix):]
            elif style == 'designate':
                body['links'] = {'self': api.base + self.path}
                if href:
                    body['links']['next'] = href
                body['metadata'] = {'total_count': len(resources)}
            self._send(200, body)

        def _projects(self, query):
            projects = sorted(api.cloud.projects)
            marker = query.get('marker')
            if marker:
                projects = [p for p in projects if p > marker]
            limit = int(query.get('limit') or MAX_LIMIT)
            page = projects[:limit]
            links = {'self': api.base + self.path, 'previous': None,
                     'next': None}
            if len(projects) > limit:
                links['next'] = '%s%s/projects?%s' % (
                    api.base, PREFIXES['identity'], parse.urlencode(
                        {'limit': limit, 'marker': page[-1]}))
            self._send(200, {'projects': [api.renderer.project(
                p, api.base) for p in page], 'links': links})

    return Handler
