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
"""Credentials and endpoints of the enforcers' calls to other services.

The keystone_limit and project_disable enforcers call Keystone, the
cinder_quota and neutron_quota enforcers the quota APIs of cinder and
neutron. They change limits, so their user needs the admin role (or
the ``service`` role where the services' policies grant it); it may be
a different user than the reconciler's, which only reads. Unless
auth_type is set here, [service_credentials] is used.
"""

import copy

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from scs_metering.conf import service_credentials

GROUP = cfg.OptGroup(
    'enforcement', title='Enforcement credentials',
    help='Credentials and endpoints with which the throttling enforcers '
         'set Keystone unified limits, cinder and neutron quotas, and '
         'disable projects. Unless auth_type is set here, the '
         '[service_credentials] are used.')

opts = [
    cfg.DictOpt('endpoint_overrides', default={},
                help='Endpoints to use instead of the catalog\'s, by '
                     'service type, e.g. "identity:https://keystone:5000/'
                     'v3,block-storage:https://cinder:8776/v3/<admin '
                     'project>,network:https://neutron:9696".'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP.name)
    ks_loading.register_auth_conf_options(conf, GROUP.name)
    ks_loading.register_adapter_conf_options(conf, GROUP.name)
    for name, value in service_credentials.DEFAULTS.items():
        conf.set_default(name, value, group=GROUP.name)


def list_opts():
    """Our options and keystoneauth's, but those that name one service.

    Each enforcer names its service type; endpoints are overridden by
    type in endpoint_overrides.
    """
    listed = list(opts)
    for opt in (ks_loading.get_session_conf_options() +
                ks_loading.get_auth_common_conf_options() +
                ks_loading.get_adapter_conf_options(
                    include_deprecated=False)):
        if opt.dest in service_credentials.PER_SERVICE:
            continue
        if opt.dest in service_credentials.DEFAULTS:
            opt = copy.deepcopy(opt)
            opt.default = service_credentials.DEFAULTS[opt.dest]
        listed.append(opt)
    return listed
