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
    'metrics', title='Metrics',
    help='Metrics about scs-metering itself, in the Prometheus text '
         'exposition format.')

opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the metrics endpoints of the agent and '
                            'the engine listen on.'),
    cfg.PortOpt('agent_port', default=0,
                help='Port of the notification agent\'s metrics endpoint, '
                     'served at /metrics. 0 disables it.'),
    cfg.PortOpt('engine_port', default=0,
                help='Port of the engine\'s metrics endpoint, served at '
                     '/metrics. 0 disables it.'),
    cfg.BoolOpt('api', default=False,
                help='Serve the store figures (sink backlog, dead letters, '
                     'window lag, ...) at /metrics on the API, without '
                     'authentication, like /healthcheck. Restrict the path '
                     'at the load balancer if the API is public.'),
    cfg.StrOpt('directory', default='$state_path/metrics',
               help='Directory where each worker process of a service '
                    'keeps its counters, so that the endpoint adds up all '
                    'workers. Local to the node; never share it between '
                    'nodes.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
