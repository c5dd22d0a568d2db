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
"""The Ceph RADOS Gateway poller (reconcile/listers/rgw.py).

The poller is enabled like any lister, by adding ``rgw_project`` to
``[reconciliation] resource_types``; these options say where RGW's admin
ops API is, as whom to call it, and how its users map to projects.
"""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'rgw', title='Ceph RADOS Gateway',
    help='The RGW poller: stored bytes and objects from bucket stats, '
         'traffic and requests from the usage log, through the admin ops '
         'API.')

# How RGW users map to projects.
IMPLICIT = 'implicit'
EXPLICIT = 'explicit'

opts = [
    cfg.URIOpt('endpoint',
               help='Base URL of radosgw, without the admin entry, e.g. '
                    'https://rgw.example.com:7480.'),
    cfg.StrOpt('admin_entry', default='admin',
               help='Path of the admin ops API below the endpoint (ceph '
                    'option rgw_admin_entry).'),
    cfg.StrOpt('access_key',
               help='S3 access key of the RGW admin user. It needs the '
                    'caps usage=read, buckets=read and users=read (and '
                    'usage=write with trim_usage).'),
    cfg.StrOpt('secret_key', secret=True,
               help='S3 secret key of the RGW admin user.'),
    cfg.StrOpt('region', default='us-east-1',
               help='Region in the SigV4 signature: the api_name of the '
                    'zonegroup, which RGW accepts as any region unless '
                    'it is set.'),
    cfg.StrOpt('cafile',
               help='CA bundle to verify the endpoint\'s certificate.'),
    cfg.BoolOpt('insecure', default=False,
                help='Do not verify the endpoint\'s certificate.'),
    cfg.IntOpt('timeout', default=60, min=1,
               help='Seconds to wait for one admin ops answer.'),
    cfg.StrOpt('tenant_mapping', default=IMPLICIT,
               choices=[(IMPLICIT, 'A user "tenant$user" belongs to the '
                                   'project that is its tenant; a user '
                                   'without a tenant to the project of '
                                   'its id. These are the two forms '
                                   'radosgw\'s Keystone integration '
                                   'makes, with rgw_keystone_implicit_'
                                   'tenants on and off.'),
                        (EXPLICIT, 'Only the users in project_map are '
                                   'metered.')],
               help='How RGW users map to OpenStack projects. '
                    'project_map overrides it for the users it names.'),
    cfg.DictOpt('project_map', default={},
                help='RGW user id to project id, for users that are not '
                     'made by the Keystone integration (local S3 users '
                     'of a project), e.g. "backup-svc:0123abcd".'),
    cfg.ListOpt('ignored_users', default=[],
                help='RGW user ids never metered: the admin user, '
                     'replication and service users.'),
    cfg.BoolOpt('check_projects', default=True,
                help='Meter only users whose project exists in Keystone. '
                     'Any other user is reported as an error of the run '
                     'and parked, with the reason in the log, rather than '
                     'billed to a project nobody has.'),
    cfg.IntOpt('poll_interval', default=900, min=10,
               help='Seconds between two polls, unless [reconciliation] '
                    'intervals names rgw_project. Stored bytes between '
                    'two polls are taken as the level the earlier poll '
                    'saw, so this bounds how late a change is billed.'),
    cfg.IntOpt('usage_settle', default=300, min=0,
               help='Seconds after an hour ends before its usage log '
                    'entries are metered. radosgw writes the log in '
                    'batches (rgw_usage_log_tick_interval, 30 s by '
                    'default), and requests that end after the hour still '
                    'land in it; an entry is metered once, so it must be '
                    'complete by then.'),
    cfg.IntOpt('first_poll_lookback', default=0, min=0,
               help='Seconds of usage log before the first poll to meter. '
                    'With 0, metering starts with the hour of the first '
                    'poll; traffic of earlier hours is not billed.'),
    cfg.IntOpt('max_hours_per_poll', default=168, min=1,
               help='Hours of usage log one poll reads at most (one '
                    'admin request each); after an outage the rest '
                    'follows in the next polls.'),
    cfg.BoolOpt('trim_usage', default=False,
                help='Remove usage log entries once they are metered. '
                     'Off by default: the log may have other readers. '
                     'Needs the cap usage=write.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
