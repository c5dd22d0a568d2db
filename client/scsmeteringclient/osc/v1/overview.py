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
"""openstack metering: what the metering commands are, and who may use them.

cliff lists the commands that start with a word the user typed without
saying what they do; this command answers ``openstack metering``,
``openstack metering --help`` and ``openstack help metering`` with an
introduction and every command's summary.
"""

import importlib.metadata
import inspect

from cliff import command

from scsmeteringclient.osc import common

GROUP = 'openstack.metering.v1'
NAME = 'metering'


def commands():
    """(name, summary) of each metering command, by name."""
    found = {}
    for entry in importlib.metadata.entry_points(group=GROUP):
        name = entry.name.replace('_', ' ')
        if name != NAME:
            doc = inspect.getdoc(entry.load()) or ''
            found[name] = doc.splitlines()[0] if doc else ''
    return sorted(found.items())


def listing(found):
    return '\n'.join('    openstack %s\n        %s' % item for item in found)


class Overview(common.Command, command.Command):
    """scs-metering: usage of the cloud, exact enough to bill from."""

    _description = __doc__ + """

The metering service turns what the OpenStack services report into usage:
how long each resource existed, in which state, for which project, in exact
quantities. It pushes the usage to sinks (billing systems, message buses,
files), and answers usage reports.

A project reader may read the usage and the resources of their project.
Sinks, corrections, the quarantine and the service status are for
admins. Prices, plans and
subscriptions are managed by admins; a project reader sees their project's
subscriptions and what its usage costs (rating show). The API is found in the
service catalog under the service type usage-metering (or give its URL as
usage_metering_endpoint_override in clouds.yaml); --os-metering-api-version
(Env: OS_METERING_API_VERSION) chooses the API version, 1 by default."""
    auth_required = False

    def get_epilog(self):
        return 'Commands::\n\n%s\n\n%s' % (
            listing(commands()), 'Run "openstack metering <command> --help" '
            'for the options and examples of a command.')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'topic', metavar='<word>', nargs='*',
            help='Show only the commands that start with these words, such '
                 'as "sink"')
        return parser

    def take_action(self, parsed_args):
        parser = self.get_parser('openstack ' + NAME)
        if not parsed_args.topic:
            parser.print_help(self.app.stdout)
            return
        prefix = ' '.join([NAME] + parsed_args.topic)
        found = [(name, summary) for name, summary in commands()
                 if name == prefix or name.startswith(prefix + ' ')]
        if not found:
            parser.error('no command starts with "openstack %s"' % prefix)
        self.app.stdout.write(listing(found) + '\n')
