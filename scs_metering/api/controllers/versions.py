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
"""The versions of the API, as version discovery lists them."""

VERSIONS = [{'id': 'v1', 'status': 'CURRENT',
             'updated': '2026-11-26T00:00:00Z'}]


def describe(info, request):
    return dict(info, links=[{
        'rel': 'self', 'href': '%s/%s/' % (request.application_url,
                                           info['id'])}])
