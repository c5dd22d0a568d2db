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
"""The attributes a meter's usage is summarised by: flavor and state, say.

A meter definition names them (``summary_by``), but the API does not
publish its definitions yet. The shipped definitions' values are repeated
here, and a test holds the two equal; a cloud with definitions of its own
sets ``SCS_METERING_SUMMARY_BY`` in Horizon's settings (doc/source/user/
dashboard.rst). A meter missing from both is summarised as a whole.
"""

from django.conf import settings

SHIPPED = {
    'dns_zone': ('type',),
    'floating_ip': ('attached',),
    'image.size': ('disk_format',),
    'instance': ('flavor_name', 'state'),
    'loadbalancer': ('flavor_id', 'topology', 'compute_flavor'),
    'router': ('external_gateway',),
    'volume.size': ('volume_type',),
}


def summary_by():
    """{meter: attribute names} in force."""
    return dict(SHIPPED, **getattr(settings, 'SCS_METERING_SUMMARY_BY', {}))


def group_by():
    """The keys one usage request groups by: every meter's attributes.

    The API groups each row by all of them; a meter's row holds null for
    the attributes of other meters, so its groups are those of its own.
    """
    return sorted({key for keys in summary_by().values() for key in keys})


def group_label(meter, group):
    """A row's group as a person reads it: 'm1.small, active'."""
    keys = summary_by().get(meter, ())
    if not keys:
        return 'all'
    return ', '.join('-' if group.get(key) is None else str(group[key])
                     for key in keys)
