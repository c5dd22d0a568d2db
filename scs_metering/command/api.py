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
"""scs-metering-api: the REST API on a development server.

Production deployments run scs_metering.wsgi.api under uWSGI or mod_wsgi.
"""

import socketserver
from wsgiref import simple_server

from oslo_log import log

from scs_metering.api import app
from scs_metering import replay
from scs_metering import service

LOG = log.getLogger(__name__)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        # Request lines carry paths and query strings, never bodies.
        LOG.info('%s %s', self.address_string(), format % args)


def main(argv=None):
    conf = service.prepare_service(argv)
    server = simple_server.make_server(
        conf.api.host, conf.api.port, app.build_wsgi_app(
            conf, retry_quarantined=replay.retry_quarantined),
        server_class=_Server, handler_class=_Handler)
    LOG.info('Serving the API on http://%s:%s/', conf.api.host,
             conf.api.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
