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
"""The layering picture and import table of the contributor guide.

tools/layering.py draws them from the code's own imports; a change that
adds an import between packages must redraw them, and must not make two
packages import each other. (The rules themselves are the import-linter
contracts of setup.cfg, checked by tox -e pep8.)
"""

import importlib.util
import os

from scs_metering.tests import base

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..'))


def _layering():
    spec = importlib.util.spec_from_file_location(
        'layering', os.path.join(ROOT, 'tools', 'layering.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LayeringTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.layering = _layering()

    def test_the_picture_and_the_table_are_current(self):
        for path, text in self.layering.outputs().items():
            with open(path) as f:
                self.assertEqual(text, f.read(), '%s is not current: run '
                                 'tools/layering.py' % path)

    def test_no_two_packages_import_each_other(self):
        self.assertEqual([], self.layering.cycles(self.layering.graph()))

    def test_the_entry_points_are_on_top(self):
        ranks = self.layering.ranks(self.layering.graph())
        self.assertEqual(max(ranks.values()), ranks['command'])
        self.assertEqual(0, ranks['common'])
