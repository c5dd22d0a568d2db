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
"""Base classes of the unit and functional tests."""

import os
import shutil
import sys
import warnings

import fixtures
from oslotest import base as oslotest_base
from sqlalchemy import exc as sa_exc

from scs_metering.db import api as db_api
from scs_metering.definitions import loader
from scs_metering import service


def console_script(name):
    """Path of a console script of this installation.

    Tests run the commands as operators do; the script sits beside the
    interpreter of the virtualenv the tests run in.
    """
    return (shutil.which(name, path=os.path.dirname(sys.executable)) or
            shutil.which(name))


class TestCase(oslotest_base.BaseTestCase):
    """A test with its own configuration object, never a global one."""

    def setUp(self):
        super().setUp()
        # SQLAlchemy warnings raised by our own code are bugs.
        warnings.filterwarnings('error', category=sa_exc.SAWarning,
                                module='scs_metering')
        self.addCleanup(warnings.resetwarnings)
        self.tempdir = self.useFixture(fixtures.TempDir()).path
        self.conf = service.new_conf()
        self.conf([], project='scs-metering', default_config_files=[],
                  default_config_dirs=[])
        self.conf.set_override('state_path', self.tempdir)

    def config(self, group=None, **overrides):
        for name, value in overrides.items():
            self.conf.set_override(name, value, group)
            # The option groups are module-level objects that keep their
            # overrides, shared by every ConfigOpts of the process.
            self.addCleanup(self.conf.clear_override, name, group)

    def definitions(self, *extra_files):
        return loader.load_files(loader.shipped_files() + list(extra_files))

    def write_file(self, name, text):
        path = os.path.join(self.tempdir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path


class DBTestCase(TestCase):
    """A test with a migrated SQLite database of its own."""

    def setUp(self):
        super().setUp()
        url = 'sqlite:///%s' % os.path.join(self.tempdir, 'test.sqlite')
        self.config('database', connection=url)
        self.connection = db_api.get_connection(self.conf)
        self.connection.upgrade()
        self.addCleanup(self.connection.dispose)
