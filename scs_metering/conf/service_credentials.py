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
"""Credentials and transport of the calls to the services' APIs.

The auth plugin, session and adapter options are keystoneauth1's own, so
any plugin keystoneauth knows (password, v3applicationcredential, ...)
works as in every other OpenStack service.
"""

import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'service_credentials', title='Service credentials',
    help='Credentials and endpoints used to list resources from the '
         'services\' APIs during reconciliation. The user needs the admin '
         'role, because listings span all projects.')

# Session and adapter options are keystoneauth's own; these defaults differ
# from keystoneauth's so that a listing survives a blip of the API.
DEFAULTS = {
    'timeout': 30,
    'valid_interfaces': ['internal'],
    'connect_retries': 3,
    'connect_retry_delay': 0.5,
    'status_code_retries': 3,
    'status_code_retry_delay': 0.5,
}
# Adapter options that name one service; listers pick their service.
PER_SERVICE = ('service_type', 'service_name', 'version', 'min_version',
               'max_version', 'endpoint_override')


def register_opts(conf):
    conf.register_group(GROUP)
    ks_loading.register_session_conf_options(conf, GROUP.name)
    ks_loading.register_auth_conf_options(conf, GROUP.name)
    ks_loading.register_adapter_conf_options(conf, GROUP.name)
    for name, value in DEFAULTS.items():
        conf.set_default(name, value, group=GROUP.name)


def list_opts():
    """The options registered up front, with our defaults shown."""
    listed = []
    for opt in (ks_loading.get_session_conf_options() +
                ks_loading.get_auth_common_conf_options() +
                ks_loading.get_adapter_conf_options(
                    include_deprecated=False)):
        if opt.dest in PER_SERVICE:
            continue
        if opt.dest in DEFAULTS:
            opt = copy.deepcopy(opt)
            opt.default = DEFAULTS[opt.dest]
        listed.append(opt)
    return listed


def list_auth_opts():
    """The password plugin's options, for the sample configuration.

    Plugin options exist only once the plugin named by auth_type loads,
    so they are listed for the generator but not validated up front.
    """
    known = {o.dest for o in list_opts()}
    return [(GROUP, [o for o in ks_loading.get_auth_plugin_conf_options(
        'password') if o.dest not in known])]
