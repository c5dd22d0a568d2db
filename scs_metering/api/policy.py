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
"""Policy enforcement of the API."""

from oslo_policy import policy as oslo_policy

from scs_metering.api import exception
from scs_metering import policies
from scs_metering.policies import base
from scs_metering import service


def get_enforcer(conf):
    """An enforcer of the rules in code, overridden by the policy file."""
    enforcer = oslo_policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def get_generator_enforcer():
    """The ``oslo.policy.enforcer`` entry point of oslopolicy-* tools."""
    conf = service.new_conf()
    conf([], project='scs-metering')
    return get_enforcer(conf)


def authorize(request, name, target=None):
    """Raise Forbidden unless the caller may do ``name`` on ``target``.

    The target defaults to the caller's own project, for rules whose
    subject is not tied to a project.
    """
    context = request.context
    if target is None:
        target = {'project_id': context.project_id}
    try:
        request.enforcer.authorize(base.PREFIX + name, target, context,
                                   do_raise=True)
    except (oslo_policy.PolicyNotAuthorized, oslo_policy.InvalidScope):
        raise exception.Forbidden(action=base.PREFIX + name)


def allowed(request, name, target):
    try:
        authorize(request, name, target)
        return True
    except exception.Forbidden:
        return False
