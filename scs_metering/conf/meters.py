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
    'meters', title='Meter definitions',
    help='Where the declarative resource and meter definitions come from.')

opts = [
    cfg.BoolOpt('load_defaults', mutable=True, default=True,
                help='Load the definitions shipped with scs-metering before '
                     'the files in definition_files.'),
    cfg.ListOpt('definition_files', mutable=True, default=[],
                help='Extra definition files, read in order after the '
                     'shipped ones. A resource or meter defined again '
                     'replaces the earlier definition of the same name; '
                     'new names extend the set.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
