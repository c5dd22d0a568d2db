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

from importlib import metadata

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'reconciliation', title='Reconciliation',
    help='Options of the reconciler, which lists resources from the '
         'services\' APIs and corrects what notifications missed.')

# Billed end of a delete that no API dates: the last time the resource
# was known alive, the first time it was found missing, or half-way.
LAST_SEEN = 'last_seen'
FIRST_MISSING = 'first_missing'
MIDPOINT = 'midpoint'

# The entry point namespace of the listers, one per resource type.
LISTERS = 'scs_metering.listers'
# Pollers whose interval has an option in their own group, used unless
# intervals names them.
OWN_INTERVALS = {'rgw_project': ('rgw', 'poll_interval')}

opts = [
    cfg.ListOpt('resource_types', default=[],
                help='Resource types to reconcile against their APIs, each '
                     'with a lister (entry point namespace '
                     'scs_metering.listers). Those shipped: instance, '
                     'volume, snapshot, backup, floating_ip, router, image, '
                     'loadbalancer, dns_zone, swift_account, rgw_project. '
                     'Empty disables reconciliation; windows then settle '
                     'on time alone.'),
    cfg.DictOpt('intervals', default={},
                help='Seconds between two reconciliations of a resource '
                     'type, by type, e.g. "instance:600,image:86400". '
                     'Types not listed use default_interval.'),
    cfg.IntOpt('default_interval', default=3600, min=10,
               help='Seconds between two reconciliations of a resource '
                    'type not listed in intervals.'),
    cfg.StrOpt('billed_end', default=LAST_SEEN,
               choices=[(LAST_SEEN, 'The last time the resource was known '
                                    'to exist: the customer pays no second '
                                    'the metering cannot prove.'),
                        (FIRST_MISSING, 'The first time it was found '
                                        'missing: an upper bound.'),
                        (MIDPOINT, 'Half-way between the two.')],
               help='Billed end of a resource found missing from its '
                    'listing when the API gives no deletion time. The '
                    'true end lies between the last time the resource was '
                    'known to exist and the first listing that missed it; '
                    'both bounds are kept on the period either way.'),
    cfg.FloatOpt('max_missing_fraction', default=0.2, min=0, max=1,
                 help='A run that finds more than this fraction of the '
                      'tracked resources of a type missing infers no '
                      'delete at all and reports itself refused: a listing '
                      'that suddenly lacks many resources is more likely '
                      'broken than right. Up to max_missing_floor missing '
                      'resources are always accepted.'),
    cfg.IntOpt('max_missing_floor', default=10, min=0,
               help='Number of missing resources a run may close whatever '
                    'the fraction, so that small clouds still reconcile.'),
    cfg.IntOpt('clock_margin', default=300, min=0,
               help='Seconds by which the clocks of the services may '
                    'differ from the reconciler\'s. A resource that '
                    'started or changed within this margin of a listing\'s '
                    'start is never inferred deleted by that listing, '
                    'since it may have come after its page.'),
    cfg.IntOpt('page_size', default=1000, min=1,
               help='Items requested per page of a listing (the APIs cap '
                    'it, usually at 1000).'),
    cfg.IntOpt('deleted_lookback', default=86400, min=0,
               help='Seconds before the last successful run from which '
                    'the first run, and every later one with this margin, '
                    'lists recently deleted servers for their exact '
                    'deletion times.'),
    cfg.BoolOpt('settle_windows', default=True,
                help='Close a usage window of a reconciled resource type '
                     'only once a successful reconciliation has started '
                     'after the window ended, so that published usage has '
                     'been checked against the API. Types not reconciled '
                     'settle on [engine] settle_delay alone.'),
    cfg.StrOpt('coordination_url', secret=True,
               help='tooz coordination URL (e.g. redis://host:6379) '
                    'through which several reconcilers split the resource '
                    'types on a hash ring. Unset, a single reconciler '
                    'does all of them.'),
    cfg.StrOpt('reseller_prefix', default='AUTH_',
               help='Swift account prefix: the account of a project is '
                    'this prefix and the project id.'),
    cfg.StrOpt('nova_microversion', default='2.100',
               help='Compute API microversion of server listings; 2.47 or '
                    'later embeds the flavor in each server.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def lister_names():
    """The resource types a lister is registered for, none imported."""
    return sorted({e.name for e in metadata.entry_points(group=LISTERS)})


def unknown_types(conf):
    """Resource types to reconcile that no lister is registered for."""
    known = lister_names()
    return [t for t in conf.reconciliation.resource_types if t not in known]


def interval(conf, resource_type):
    """Seconds between two runs of one resource type."""
    section = conf.reconciliation
    value = section.intervals.get(resource_type)
    if value:
        return int(value)
    if resource_type in OWN_INTERVALS:
        group, name = OWN_INTERVALS[resource_type]
        return getattr(conf[group], name)
    return section.default_interval
