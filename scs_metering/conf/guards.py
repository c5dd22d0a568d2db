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
    'guards', title='Input guards',
    help='Bounds every usage event must keep before it is metered. An '
         'event outside them is quarantined with its reason instead of '
         'being billed. The value and id guards are declared in the '
         'definitions; these options bound event times.')

opts = [
    cfg.IntOpt('event_horizon', mutable=True, default=90, min=1,
               help='Days an event may lie in the past when [engine] '
                    'metering_start is not set. With metering_start set, '
                    'the earliest accepted event time is metering_start '
                    'itself, so an archive can be replayed from there.'),
    cfg.IntOpt('clock_skew', mutable=True, default=600, min=0,
               help='Seconds an event may lie in the future: the clock '
                    'difference allowed between this host and the hosts '
                    'that date notifications and listings.'),
    cfg.IntOpt('max_windows_per_event', mutable=True, default=10000,
               min=1,
               help='Most usage windows of its meters one event may reach '
                    'back over, counted from now. It bounds what a wrong '
                    'time that passes the other guards can fan out into: '
                    '10000 hourly windows are about 416 days.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
