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

import os
import sys

# Local extensions: the API reference rendered from the OpenAPI document.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '_exts'))

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'openapi_reference',
    'cliff.sphinxext',
]

# The CLI reference is generated from the openstack metering commands;
# cliff's output options are described once, on its index page.
autoprogram_cliff_application = 'openstack'
autoprogram_cliff_ignored = [
    '--help', '--format', '--column', '--max-width', '--fit-width',
    '--print-empty', '--prefix', '--noindent', '--quote', '--sort-column',
    '--sort-ascending', '--sort-descending']
# Keep "--" as typed: option names in prose (the reference's help texts
# among them) must not become dashes.
smartquotes_action = 'qe'

openstackdocs_repo_name = 'openstack/scs-metering'
openstackdocs_bug_project = 'scs-metering'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

project = 'scs-metering'
copyright = '2026, The scs-metering Authors'
master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'native'
html_theme = 'openstackdocs'
