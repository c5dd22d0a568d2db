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

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'api', title='REST API',
    help='Options of the scs-metering REST API.')

opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the development server '
                            '(scs-metering-api) listens on. Production '
                            'deployments run scs_metering.wsgi.api under '
                            'uWSGI or mod_wsgi instead.'),
    cfg.PortOpt('port', default=8789,
                help='Port the development server listens on.'),
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=[('keystone', 'Keystone tokens, checked by '
                                     'keystonemiddleware'),
                        ('noauth', 'No authentication: the identity headers '
                                   'of the request are trusted as sent. '
                                   'For tests and benchmarks only')],
               help='How requests are authenticated.'),
    cfg.IntOpt('max_request_body_size', default=65536, min=1024,
               help='Largest request body accepted, in bytes; larger '
                    'bodies get 413.'),
    cfg.IntOpt('max_query_length', default=16384, min=1024, max=32766,
               help='Longest query string accepted, in bytes; longer ones '
                    'get 414. A query string that the WSGI server passed '
                    'on shorter than the request line has it (uWSGI drops '
                    'one of 32 KiB or more) gets 414 too, whatever this '
                    'says.'),
    cfg.IntOpt('max_json_depth', default=32, min=2, max=256,
               help='Deepest nesting of arrays and objects accepted in a '
                    'request body; deeper bodies get 400.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest page size a list request may ask for.'),
    cfg.IntOpt('default_limit', default=100, min=1,
               help='Page size of list requests that give no limit.'),
    cfg.BoolOpt('allow_link_local_sinks', default=False,
                help='Let sinks point at link-local addresses '
                     '(169.254.0.0/16, fe80::/10), cloud metadata addresses '
                     'and host names, and names that resolve to them. Off '
                     'by default: such a sink would make scs-metering send '
                     'data, and its credentials, to the metadata service of '
                     'the host it runs on. The API checks a sink\'s URL '
                     'when it is written; the engine\'s http(s) sinks '
                     'check the address of every connection.'),
    cfg.BoolOpt('allow_loopback_sinks', default=True,
                help='Let sinks point at loopback addresses (127.0.0.0/8, '
                     '::1, 0.0.0.0) and names that resolve to them, checked '
                     'like allow_link_local_sinks. Turn it off where sinks '
                     'are always remote, so that no sink reaches a service '
                     'of the engine\'s own host.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='Seconds without a heartbeat after which /v1/status '
                    'reports an agent or engine as down.'),
    cfg.IntOpt('service_expire_time', default=86400, min=1,
               help='Seconds after its last heartbeat after which an agent '
                    'or engine worker, down or stopped, is no longer shown '
                    'in /v1/status; the engine deletes its heartbeat in '
                    'its hourly purge. Every restart is a new worker (the '
                    'process id is part of its name), so without this the '
                    'list of dead workers would only grow.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
