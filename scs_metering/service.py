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
"""Building the configuration every scs-metering command starts from."""

import sys

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_log import log
from oslo_messaging import opts as messaging_opts

from scs_metering.common import timeutils
from scs_metering import conf as scs_conf
from scs_metering.conf import notification
from scs_metering.conf import reconciliation
from scs_metering import version

LOG = log.getLogger(__name__)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the option."""


# Libraries whose INFO lines are noise in our logs (botocore's DEBUG lines
# are every SigV4 canonical request and signature of the RGW client).
QUIET_LOGGERS = ['alembic=WARN', 'botocore=WARN', 'stevedore=WARN']


def new_conf():
    """A fresh ConfigOpts with every scs-metering option registered."""
    conf = cfg.ConfigOpts()
    log.register_options(conf)
    log.set_defaults(default_log_levels=log.get_default_log_levels() +
                     QUIET_LOGGERS)
    scs_conf.register_opts(conf)
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    db_options.set_defaults(
        conf, connection='sqlite:///$state_path/scs_metering.sqlite')
    return conf


def _read_all(group, section):
    """Read every option of a section; return the groups among them."""
    groups = []
    for name in list(section):
        try:
            value = section[name]
        except (cfg.ConfigFileValueError, ValueError) as exc:
            raise ConfigError('[%s] %s: %s' % (group, name, exc))
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            groups.append((name, value))
    return groups


def validate(conf):
    """Read every registered option once, so a bad value fails now.

    oslo.config parses values lazily; without this pass a typo in a rarely
    read option, ours or a library's, would only surface hours later, in
    the middle of work.
    """
    for group, section in _read_all('DEFAULT', conf):
        _read_all(group, section)
    try:
        timeutils.parse(conf.engine.metering_start)
    except ValueError as exc:
        raise ConfigError('[engine] metering_start: %s' % exc)
    unknown = reconciliation.unknown_types(conf)
    if unknown:
        raise ConfigError(
            '[reconciliation] resource_types: no lister is registered for '
            '%r; available: %s' % (unknown[0], ', '.join(
                reconciliation.lister_names())))
    unknown = notification.unknown_services(conf)
    if unknown:
        raise ConfigError(
            '[notification] enabled_services: a service must be one of %s '
            'or have its exchange in [notification] exchanges, but found '
            '%r' % (', '.join(sorted(notification.SERVICES)), unknown[0]))


def reread(conf):
    """A new ConfigOpts that reads the same files as ``conf``."""
    again = cfg.ConfigOpts()
    args = []
    for path in conf.config_file or []:
        args += ['--config-file', path]
    for path in conf.config_dir or []:
        args += ['--config-dir', path]
    again(args, project='scs-metering', default_config_files=[],
          default_config_dirs=[])
    return again


def prepare_service(argv=None, conf=None, config_files=None):
    """Parse the command line and files, validate them and set up logging.

    Exits with a message naming the option when the configuration is bad.
    """
    if argv is None:
        argv = sys.argv
    if conf is None:
        conf = new_conf()
    try:
        conf(argv[1:], project='scs-metering', validate_default_values=True,
             version=version.version_info.version_string(),
             default_config_files=config_files)
        validate(conf)
    except (cfg.Error, ConfigError) as exc:
        sys.exit('scs-metering: configuration error: %s' % exc)
    log.setup(conf, 'scs-metering')
    conf.log_opt_values(LOG, log.DEBUG)
    return conf
