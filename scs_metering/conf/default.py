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

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='<hostname>',
               help='Name of this node. It identifies the agents and '
                    'engines in logs, heartbeats and delivery claims, so it '
                    'must be unique among the nodes of a deployment.'),
    cfg.StrOpt('state_path',
               default='/var/lib/scs-metering',
               help='Directory where scs-metering keeps its local state, '
                    'such as the embedded SQLite database.'),
]


def register_opts(conf):
    conf.register_opts(opts)
