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
"""Checking configuration files that deployment tools write.

A file is held against the project's own option definitions: the
namespaces of its config generator, plus the libraries the API loads
and the Keystone auth plugins a file names. An option that none of them
defines is a typo that oslo.config would silently ignore.
"""

import collections
import configparser
import os

from keystoneauth1 import loading as ks_loading
from stevedore import named

from scs_metering import service

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
GENERATOR = os.path.join(REPO, 'etc', 'scs-metering',
                         'scs-metering-config-generator.conf')
# Read by the API's middleware and policy enforcer, not by our code.
LIBRARIES = ('keystonemiddleware.auth_token', 'oslo.middleware',
             'oslo.policy', 'oslo.service.service')
AUTH_GROUPS = ('keystone_authtoken', 'service_credentials')


def read_ini(path):
    """{section: {option: value}}, DEFAULT as an ordinary section."""
    parser = configparser.ConfigParser(interpolation=None,
                                       default_section='\0')
    parser.optionxform = str
    with open(path) as f:
        parser.read_file(f)
    return {s: dict(parser[s]) for s in parser.sections()}


def namespaces():
    # A generator file repeats "namespace", which configparser refuses.
    with open(GENERATOR) as f:
        listed = [line.split('=', 1)[1].strip() for line in f
                  if line.split('=', 1)[0].strip() == 'namespace']
    return listed + [n for n in LIBRARIES if n not in listed]


def known_options(sections):
    """{group: option names} the project accepts, for ``sections``."""
    known = collections.defaultdict(set)
    manager = named.NamedExtensionManager(
        'oslo.config.opts', names=namespaces(), invoke_on_load=True,
        on_missing_entrypoints_callback=_missing)
    for extension in manager:
        for group, opts in extension.obj:
            name = getattr(group, 'name', group) or 'DEFAULT'
            known[name].update(opt.dest for opt in opts)
    for group in AUTH_GROUPS:
        auth_type = sections.get(group, {}).get('auth_type')
        known[group].update(o.dest for o in
                            ks_loading.get_auth_common_conf_options())
        if auth_type:
            known[group].update(
                o.dest for o in
                ks_loading.get_auth_plugin_conf_options(auth_type))
    return known


def _missing(names):
    raise AssertionError('oslo.config.opts namespaces not installed: %s' %
                         ', '.join(sorted(names)))


def unknown_options(path, ignore_sections=()):
    """["[section] option"] of ``path`` that no definition knows."""
    sections = read_ini(path)
    known = known_options(sections)
    return ['[%s] %s' % (section, option)
            for section, options in sorted(sections.items())
            if section not in ignore_sections
            for option in sorted(options)
            if option not in known.get(section, ())]


def bad_values(path):
    """The first value of ``path`` our options refuse, or None."""
    conf = service.new_conf()
    try:
        conf(['--config-file', path], project='scs-metering',
             default_config_files=[], default_config_dirs=[])
        service.validate(conf)
    except Exception as exc:
        return str(exc)
    return None
