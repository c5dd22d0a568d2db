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
    'notification', title='Notification sources',
    help='Which OpenStack services the agent listens to, and where.')

# Exchange defaults follow each service's own control_exchange default.
SERVICES = {
    'nova': 'nova',
    'cinder': 'openstack',
    'neutron': 'neutron',
    'glance': 'glance',
    'swift': 'swift',
    'octavia': 'octavia',
    'designate': 'designate',
}

opts = [
    cfg.ListOpt('enabled_services', mutable=True, default=sorted(SERVICES),
                help='Services whose notifications the agent consumes. '
                     'A service needs meter definitions to produce usage, '
                     'and one not built in needs an entry in exchanges.'),
    cfg.DictOpt('exchanges', mutable=True, default={},
                help='Exchanges of services that have no option of their '
                     'own, such as one an operator meters with definitions '
                     'of their own, as service:exchange pairs. They use '
                     '[DEFAULT] transport_url.'),
    cfg.ListOpt('topics',
                default=['notifications', 'versioned_notifications'],
                help='Notification topics to listen on in every enabled '
                     'service\'s exchange. Nova sends versioned '
                     'notifications on "versioned_notifications" and '
                     'legacy ones on "notifications".'),
]
for _service, _exchange in sorted(SERVICES.items()):
    opts.append(cfg.StrOpt(
        '%s_exchange' % _service, default=_exchange,
        help='Exchange to which %s sends its notifications (its '
             'control_exchange).' % _service))
    opts.append(cfg.StrOpt(
        '%s_transport_url' % _service, secret=True,
        help='Transport URL of the bus %s sends notifications to, when it '
             'is not [DEFAULT] transport_url.' % _service))


def exchange(conf, service):
    """The exchange a service sends its notifications to, or None."""
    if service in SERVICES:
        return getattr(conf.notification, '%s_exchange' % service)
    return conf.notification.exchanges.get(service)


def unknown_services(conf):
    """Enabled services whose exchange is not known."""
    return [s for s in conf.notification.enabled_services
            if exchange(conf, s) is None]


def transport_url(conf, service):
    """The service's own transport URL, if it has one."""
    return getattr(conf.notification, '%s_transport_url' % service, None)


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
