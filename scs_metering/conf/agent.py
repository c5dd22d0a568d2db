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
    'agent', title='Notification agent',
    help='Options of the notification agent, which turns OpenStack '
         'notifications into usage events and forwards them to the engine.')

opts = [
    cfg.IntOpt('workers', default=1, min=1,
               help='Number of notification agent worker processes.'),
    cfg.StrOpt('pool', default='scs-metering',
               help='Listener pool name. Each enabled service gets its own '
                    'queue, named "<pool>.<service>", bound to that '
                    'service\'s exchange, so other consumers such as '
                    'Ceilometer keep their own copy of every notification. '
                    'All agents of one deployment must use the same pool.'),
    cfg.IntOpt('batch_size', mutable=True, default=256, min=1,
               help='Maximum number of notifications handled together. One '
                    'batch becomes one forwarded message to the engine.'),
    cfg.FloatOpt('batch_timeout', mutable=True, default=1.0, min=0.01,
                 help='Seconds to wait for a batch to fill before it is '
                      'handled anyway.'),
    cfg.IntOpt('forward_retry', mutable=True, default=3, min=0,
               help='Attempts to reconnect when forwarding a batch to the '
                    'engine fails. After that the source notifications are '
                    'requeued, never acknowledged.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
