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
    'publisher', title='Publisher',
    help='Options of the delivery of usage records to sinks.')

opts = [
    cfg.StrOpt('sinks_file',
               help='YAML file of sink definitions, created or updated in '
                    'the database when the engine starts. Sinks managed '
                    'through the API need no entry here.'),
    cfg.IntOpt('batch_size', default=500, min=1,
               help='Maximum number of records sent to a sink at once.'),
    cfg.FloatOpt('interval', default=2.0, min=0.05,
                 help='Seconds between two delivery passes when there is '
                      'nothing to send.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
