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
"""Reading a sink definition's options and secrets, with named errors."""

import urllib.parse

from scs_metering.publisher import base

# Options every sink takes: delivery tuning and the format's ``source``.
DELIVERY = ('batch_size', 'linger', 'concurrency', 'source')


class Reader:
    """Typed access to ``options`` and ``secrets`` of a definition.

    Unknown option or secret names are refused, so that a typo does not
    silently leave, say, TLS verification at its default.
    """

    def __init__(self, definition, driver, options=(), secrets=()):
        self.options = definition.get('options') or {}
        self.secrets = definition.get('secrets') or {}
        for name in sorted(set(self.options) - set(options) -
                           set(DELIVERY)):
            raise base.SinkError('unknown option of the %s driver; known: '
                                 '%s' % (driver, ', '.join(sorted(
                                     set(options) | set(DELIVERY)))),
                                 'options.%s' % name)
        for name in sorted(set(self.secrets) - set(secrets)):
            raise base.SinkError('not a secret of the %s driver%s' % (
                driver, '; known: %s' % ', '.join(secrets) if secrets
                else ''), 'secrets.%s' % name)

    def option(self, name, default=None, kind=str, minimum=None,
               choices=None):
        value = self.options.get(name, default)
        field = 'options.%s' % name
        if value is None:
            return None
        if kind is bool:
            if not isinstance(value, bool):
                raise base.SinkError('must be true or false', field)
            return value
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value,
                                                         (int, float)):
                raise base.SinkError('must be a number', field)
            if kind is int and value != int(value):
                raise base.SinkError('must be a whole number', field)
            if minimum is not None and value < minimum:
                raise base.SinkError('must be at least %s' % minimum, field)
            return kind(value)
        if not isinstance(value, kind):
            raise base.SinkError('must be a %s' % kind.__name__, field)
        if choices and value not in choices:
            raise base.SinkError('must be one of %s' % ', '.join(choices),
                                 field)
        return value

    def secret(self, name, required_because=None):
        value = self.secrets.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise base.SinkError('must be a non-empty string',
                                 'secrets.%s' % name)
        if value is None and required_because:
            raise base.SinkError('missing; required by %s' %
                                 required_because, 'secrets.%s' % name)
        return value


def url_with_password(url, password):
    """``url`` with ``password`` put back into its user information."""
    parsed = urllib.parse.urlsplit(url)
    if not password or not parsed.username:
        return url
    netloc = '%s:%s@%s' % (parsed.username,
                           urllib.parse.quote(password, safe=''),
                           parsed.netloc.rpartition('@')[2])
    return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
