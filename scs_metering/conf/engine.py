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
    'engine', title='Usage engine',
    help='Options of the engine, which persists usage events, derives '
         'billable periods, closes usage windows and publishes them.')

opts = [
    cfg.IntOpt('workers', default=1, min=1,
               help='Number of engine worker processes.'),
    cfg.StrOpt('topic', default='scs_metering_events',
               help='Internal topic on which agents forward usage events '
                    'to the engines.'),
    cfg.StrOpt('exchange', default='scs_metering',
               help='Exchange of the internal topic.'),
    cfg.StrOpt('transport_url', secret=True,
               help='Transport URL of the internal topic. Defaults to '
                    '[DEFAULT] transport_url. Its queue is always declared '
                    'durable, so that forwarded events survive a broker '
                    'restart.'),
    cfg.IntOpt('batch_size', mutable=True, default=64, min=1,
               help='Maximum number of forwarded messages stored in one '
                    'database transaction.'),
    cfg.FloatOpt('batch_timeout', mutable=True, default=0.5, min=0.01,
                 help='Seconds to wait for a batch to fill before it is '
                      'stored anyway.'),
    cfg.IntOpt('close_interval', mutable=True, default=60, min=1,
               help='Seconds between two runs of the window closer, which '
                    'turns billable periods into usage records.'),
    cfg.IntOpt('settle_delay', mutable=True, default=300, min=0,
               help='Seconds to wait after a window ends before it is '
                    'closed, so that late notifications still land in it '
                    'instead of producing a correction.'),
    cfg.IntOpt('close_batch_size', mutable=True, default=1000, min=1,
               help='Number of resources whose records are written in one '
                    'window-closing transaction.'),
    cfg.StrOpt('metering_start',
               help='UTC time (ISO 8601) from which usage records are '
                    'produced. The first window closed is the first that '
                    'starts at or after it, and no earlier window is ever '
                    'corrected. Set it when metering an existing cloud, or '
                    'resources launched years ago would be billed from '
                    'their launch. Empty: from the earliest event stored.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
