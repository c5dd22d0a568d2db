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
"""A create checked as nova checks it, in a process of its own. A TEST TOOL.

nova's UnifiedLimitsDriver counts the project's usage and asks
oslo.limit's Enforcer, configured by [oslo_limit] in nova.conf, whether
one more fits under the project's limit in Keystone. This does the
same, with the usage given on the command line, for each project::

    python -m scs_metering.tests.functional.nova_limits \\
        CONFIG RESOURCE PROJECT_ID:USAGE [PROJECT_ID:USAGE ...]

and prints one JSON list of {"allowed": true} or {"allowed": false,
"message": ...}, a new Enforcer for each check, as nova makes one per
request.
It runs apart from the tests because oslo.limit reads the process's
global configuration and caches its Keystone connection, as in nova.
"""

import json
import sys

from oslo_config import cfg
from oslo_limit import exception
from oslo_limit import limit


def check(project_id, resource, usage):
    enforcer = limit.Enforcer(
        lambda project, names: {name: usage for name in names})
    try:
        enforcer.enforce(project_id, {resource: 1})
    except exception.ProjectOverLimit as exc:
        return {'allowed': False, 'message': str(exc)}
    return {'allowed': True}


def main(argv):
    config, resource = argv[:2]
    cfg.CONF(['--config-file', config], project='nova')
    results = []
    for pair in argv[2:]:
        project_id, usage = pair.rsplit(':', 1)
        results.append(check(project_id, resource, int(usage)))
    print(json.dumps(results))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
