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
"""OpenStackClient plugin interface of the metering commands.

OpenStackClient loads this module through the ``openstack.cli.extension``
entry point, adds ``build_option_parser``'s global option, and loads the
commands of ``openstack.metering.v<API version>``; the first command that
needs the API calls ``make_client``.
"""

from osc_lib import exceptions
from osc_lib import utils
from oslo_utils import importutils

DEFAULT_API_VERSION = '1'
API_NAME = 'metering'
API_VERSION_OPTION = 'os_metering_api_version'
API_VERSIONS = {'1': 'scsmeteringclient.v1.client.Client'}
# A clouds.yaml setting, as for every service type: the API's URL when it
# is not (or not yet) in the service catalog.
ENDPOINT_OVERRIDE = 'usage_metering_endpoint_override'


def make_client(instance):
    """The metering API client of OpenStackClient's client manager."""
    version = instance._api_version[API_NAME]
    if version not in API_VERSIONS:
        raise exceptions.UnsupportedVersion(
            'Metering API version %s is not supported; supported: %s.' % (
                version, ', '.join(sorted(API_VERSIONS))))
    instance.setup_auth()
    return importutils.import_class(API_VERSIONS[version])(
        instance.session, interface=instance.interface,
        region_name=instance.region_name,
        endpoint_override=instance.get_configuration().get(
            ENDPOINT_OVERRIDE))


def build_option_parser(parser):
    """Add the global option that chooses the metering API version."""
    parser.add_argument(
        '--os-metering-api-version',
        metavar='<metering-api-version>',
        default=utils.env('OS_METERING_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Metering API version, default=%s '
             '(Env: OS_METERING_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
