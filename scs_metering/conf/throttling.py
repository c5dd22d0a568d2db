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
"""Options of throttling: which enforcers may act, and how they announce."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'throttling', title='Throttling',
    help='Options of throttling: rules on metered usage and cost, the '
         'evaluator that decides on them, and the enforcers that turn '
         'decisions into limits.')

opts = [
    cfg.BoolOpt('evaluate', default=True,
                help='Whether the engine runs the throttling evaluator. '
                     'With no rule, a run reads the rules and stops.'),
    cfg.IntOpt('interval', default=300, min=10,
               help='Seconds between two runs of the evaluator. A rule '
                    'written through the API is used from the next run on; '
                    'nothing needs a restart.'),
    cfg.StrOpt('coordination_url', secret=True,
               help='tooz coordination URL (e.g. redis://host:6379) '
                    'through which several engines split the projects on a '
                    'hash ring, each evaluating its own. Unset, every '
                    'engine evaluates every project; the database keeps '
                    'each opening once, and enforcers apply idempotently, '
                    'so this only saves work.'),
    cfg.ListOpt('enabled_enforcers',
                default=['log', 'notify', 'keystone_limit', 'cinder_quota',
                         'neutron_quota'],
                help='Enforcers (plugins of the scs_metering.enforcers '
                     'namespace) that rules may name. A rule naming another '
                     'one is refused when it is written, and its actions '
                     'are reported, not run, if it was written before. '
                     'project_disable is off by default: disabling a '
                     'project stops all of its users at once.'),
    cfg.StrOpt('publisher_id', default='scs-metering.throttling',
               help='Publisher id of the metering.decision.opened and '
                    'metering.decision.closed notifications of the notify '
                    'enforcer. Their transport, driver and topics are '
                    'oslo.messaging\'s own [oslo_messaging_notifications] '
                    'options; the default driver sends nothing.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
