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
"""Which panels a user may use, as the metering API's policy decides.

Horizon usually hides a panel by checking a copy of the service's policy
file that it keeps itself; that copy drifts from the API's as soon as an
operator changes one. Here the API decides: each panel makes its cheapest
call once per token, and a 403 hides it. The answers live in the session,
keyed by a digest of the token, so a new login or a project switch asks
again. An API that cannot be reached decides nothing: the panel stays
visible and its page says what went wrong.
"""

import hashlib
import logging

import horizon

from scs_metering_dashboard.api import metering

LOG = logging.getLogger(__name__)
SESSION_KEY = 'scs_metering_access'


def _token_digest(request):
    return hashlib.sha256(request.user.token.id.encode()).hexdigest()[:16]


def allowed(request, panel):
    """Whether the API lets this request's user use ``panel``."""
    digest = _token_digest(request)
    known = request.session.get(SESSION_KEY)
    if not known or known.get('token') != digest:
        known = {'token': digest, 'panels': {}}
    if panel in known['panels']:
        return known['panels'][panel]
    try:
        metering.PROBES[panel](metering.client(request))
        answer = True
    except metering.Forbidden:
        answer = False
    except metering.ERRORS as exc:
        LOG.warning('Cannot tell whether the metering API allows the %s '
                    'panel: %s', panel, exc)
        return True
    known['panels'][panel] = answer
    request.session[SESSION_KEY] = known
    return answer


class Panel(horizon.Panel):
    """A panel shown only to those the API lets use it.

    ``probe`` names the panel's call in ``metering.PROBES``. The user's
    roles and the dashboard's own policy are checked first, so that a
    member is never probed for an admin panel.
    """

    probe = None
    permissions = ('openstack.services.%s' % metering.SERVICE_TYPE,)

    def allowed(self, context):
        request = context['request']
        dashboard = getattr(self, '_registered_with', None)
        needed = tuple(self.permissions) + tuple(getattr(
            dashboard, 'permissions', ()))
        if not request.user.has_perms(needed) or (
                dashboard is not None and not dashboard._can_access(
                    request)):
            return False
        return super().allowed(context) and allowed(request, self.probe)
