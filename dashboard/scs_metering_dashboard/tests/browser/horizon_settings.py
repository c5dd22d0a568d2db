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
"""Settings of the Horizon the browser test runs: a real one, on loopback.

Horizon's own settings, with the plugin's panels enabled as a deployment
enables them, and Keystone's address from the test. The catalog of that
Keystone holds only identity and the metering API, so a user's home is
the usage panel.
"""

import os

import openstack_dashboard.enabled
from openstack_dashboard.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

import scs_metering_dashboard.enabled

HORIZON_CONFIG.pop('dashboards', None)  # noqa: F405
HORIZON_CONFIG.pop('default_dashboard', None)  # noqa: F405
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, scs_metering_dashboard.enabled],
    HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))  # noqa: F405
HORIZON_CONFIG['user_home'] = '/project/metering_usage/'  # noqa: F405

DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1']
SECRET_KEY = os.environ['SCS_METERING_TEST_SECRET_KEY']
OPENSTACK_KEYSTONE_URL = os.environ['SCS_METERING_TEST_KEYSTONE_URL']
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
# No memcached here: a cache in memory. Sessions go in signed cookies:
# in that small cache, django-compressor's entries would push them out.
CACHES = {'default': {
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
COMPRESS_OFFLINE = False
# Stylesheets compiled on the fly go to the test's directory.
# (runserver loads the static finders before django-compressor's
# defaults: they are spelt out here).
STATIC_ROOT = COMPRESS_ROOT = os.environ['SCS_METERING_TEST_STATIC_ROOT']
COMPRESS_URL = STATIC_URL  # noqa: F405
