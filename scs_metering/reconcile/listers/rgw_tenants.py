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
"""Which project an RGW user's usage is billed to.

radosgw's Keystone integration makes an RGW user of each project that
uses it. With ``rgw_keystone_implicit_tenants`` on (as Sovereign Cloud
Stack clouds run it) the user is ``<project id>$<project id>``: a tenant
and a user, both the project; with it off the user is ``<project id>``.
Both belong to the project they name, which ``[rgw] tenant_mapping =
implicit`` reads. Users made by hand (radosgw-admin user create) name
no project: ``[rgw] project_map`` gives theirs, ``ignored_users`` lists
those never billed. With ``check_projects`` a user whose project
Keystone does not know is unmapped too, rather than billed to nobody.
"""

from scs_metering.conf import rgw as conf_rgw

RESOURCE_TYPE = 'rgw_project'


class Unmapped(Exception):
    """An RGW user that belongs to no project we can bill."""


class Projects:
    """The project of each RGW user, as [rgw] says to map them."""

    def __init__(self, conf, known=None):
        self.mapping = conf.tenant_mapping
        self.explicit = dict(conf.project_map)
        self.ignored = frozenset(conf.ignored_users)
        # Project ids Keystone knows, or None when not checked.
        self.known = known

    def ignored_user(self, uid):
        return uid in self.ignored

    def of(self, uid):
        """The project id of an RGW user id; Unmapped if it has none."""
        project = self.explicit.get(uid)
        if project is None:
            if self.mapping != conf_rgw.IMPLICIT:
                raise Unmapped('RGW user %r is not in [rgw] project_map'
                               % uid)
            tenant, _sep, user = uid.rpartition('$')
            project = tenant or user
        if not project:
            raise Unmapped('RGW user %r names no project' % uid)
        if self.known is not None and project not in self.known:
            raise Unmapped('RGW user %r maps to project %r, which Keystone '
                           'does not know' % (uid, project))
        return project
