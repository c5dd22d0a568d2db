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
"""Sink definitions: checking, storing, showing and replaying them.

These are the functions the API, the commands and the engine's YAML
seeding call; they reach the sinks in storage through the Connection. A
definition is a mapping::

    name: billing            # unique; letters, digits, ".", "_", "-"
    driver: https            # a scs_metering.sinks entry point
    url: https://erp.example.com/usage
    format: native           # a scs_metering.formats entry point
    options: {timeout: 10}   # the driver's and the delivery's
    filters: {kinds: [usage]}
    secrets: {hmac_key: ...} # encrypted at rest, never shown

A password in the URL's user information is moved into ``secrets``.
Every error is a SinkError whose ``field`` names the culprit, and whose
``code`` is the HTTP status the API answers it with.
"""

import re
import urllib.parse

from oslo_db import exception as db_exc
import yaml

from scs_metering.db import api as db_api
from scs_metering.publisher import base
from scs_metering.publisher import confinement as confinement_mod
from scs_metering.publisher import filters
from scs_metering.publisher import loader
from scs_metering.publisher import secrets as sink_secrets

DEFAULT_FORMAT = 'native'
FIELDS = ('name', 'driver', 'url', 'format', 'options', 'filters',
          'secrets')
NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$')


class SinkNotFound(base.SinkError):
    """No sink has the id asked for."""

    code = 404

    @property
    def client_message(self):
        return str(self)


class SinkExists(base.SinkError):
    """Another sink has the name asked for."""

    code = 409

    def __init__(self, name):
        super().__init__('A sink named %s already exists.' % name)
        self.field = 'name'

    @property
    def client_message(self):
        return str(self)


def _mapping(definition, field):
    value = definition.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise base.SinkError('must be a mapping', field)
    return dict(value)


def _split_password(url, secrets):
    """Move a password out of a URL into the secrets."""
    if not isinstance(url, str):
        return url
    try:
        parsed = urllib.parse.urlsplit(url)
        password = parsed.password
    except ValueError as exc:
        raise base.SinkError('not a URL: %s' % exc, 'url')
    if password is None:
        return url
    if secrets.get('password') not in (None, urllib.parse.unquote(
            password)):
        raise base.SinkError('a password both in the URL and in secrets',
                             'secrets.password')
    secrets['password'] = urllib.parse.unquote(password)
    netloc = '%s@%s' % (parsed.username, parsed.netloc.rpartition('@')[2])
    return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))


def validate(definition, confinement=None):
    """A normalised copy of a definition, secrets in clear.

    With a ``confinement``, a sink that would write where the service
    lives is refused (publisher/confinement.py).
    """
    if not isinstance(definition, dict):
        raise base.SinkError('a sink definition is a mapping')
    for field in sorted(set(definition) - set(FIELDS)):
        raise base.SinkError('unknown field; known: %s' % ', '.join(
            FIELDS), field)
    name = definition.get('name')
    if not isinstance(name, str) or not NAME.match(name):
        raise base.SinkError('required: letters, digits, ".", "_" or "-", '
                             'at most 255', 'name')
    secrets = _mapping(definition, 'secrets')
    sink = {
        'name': name,
        'driver': definition.get('driver'),
        'url': _split_password(definition.get('url'), secrets),
        'format': definition.get('format') or DEFAULT_FORMAT,
        'options': _mapping(definition, 'options'),
        'filters': _mapping(definition, 'filters'),
        'secrets': secrets,
    }
    if sink['url'] is not None and not isinstance(sink['url'], str):
        raise base.SinkError('must be a string', 'url')
    for field, message in filters.validate(sink['filters']):
        raise base.SinkError(message, field)
    fmt = loader.load_format(sink['format'], sink['options'])
    wanted = filters.kinds(sink['filters'].get('kinds') or ())
    if wanted - set(fmt.kinds):
        raise base.SinkError('format %s renders no %s; it renders %s' % (
            sink['format'], ', '.join(sorted(wanted - set(fmt.kinds))),
            ', '.join(fmt.kinds)), 'filters.kinds')
    driver = loader.load_sink(sink)
    if driver.kinds is not None and wanted - set(driver.kinds):
        driver.close()
        raise base.SinkError('driver %s stores no %s' % (
            sink['driver'], ', '.join(sorted(wanted - set(driver.kinds)))),
            'filters.kinds')
    try:
        if confinement is not None:
            driver.confine(confinement)
    finally:
        driver.close()
    return sink


def _stored(connection, sink_id=None, name=None):
    if sink_id is None:
        return connection.sink_by_name(name)
    try:
        return connection.sink(sink_id)
    except db_api.NotFound:
        raise SinkNotFound('no sink with id %s' % sink_id, 'id')


def create(conf, connection, definition):
    """Create a sink of a name no sink has yet; SinkExists otherwise."""
    if connection.sink_by_name(definition.get('name')):
        raise SinkExists(definition['name'])
    return store(conf, connection, definition)


def replace(conf, connection, sink_id, definition):
    """Replace a sink, renamed or not; SinkExists if the name is taken."""
    existing = _stored(connection, sink_id)
    if definition.get('name') != existing['name'] and (
            connection.sink_by_name(definition.get('name'))):
        raise SinkExists(definition['name'])
    return store(conf, connection, definition, sink_id)


def store(conf, connection, definition, sink_id=None):
    """Create or replace a sink; return it as ``show`` does.

    Without ``sink_id`` the sink of the same name is replaced, if any.
    Secrets left out of ``definition`` keep their stored values, so that
    a client can change the rest without knowing them.
    """
    if not isinstance(definition, dict):
        raise base.SinkError('a sink definition is a mapping')
    existing = _stored(connection, sink_id, definition.get('name'))
    if existing is not None and 'secrets' not in definition:
        definition = dict(definition, secrets=sink_secrets.decrypt(
            conf, existing['secrets']))
    sink = validate(definition, None if conf is None else
                    confinement_mod.Confinement.from_conf(conf))
    sink['secrets'] = (sink_secrets.encrypt(conf, sink['secrets'])
                       if sink['secrets'] else None)
    sink['id'] = existing['id'] if existing else None
    try:
        return show(conf, connection.put_sink(sink))
    except db_exc.DBDuplicateEntry:
        raise base.SinkError('another sink is named %s' % sink['name'],
                             'name')


def put(connection, definition, conf=None):
    """Create or update a sink by name; ``conf`` is needed for secrets."""
    return store(conf, connection, definition)


def show(conf, sink):
    """A stored sink with its secrets masked."""
    shown = dict(sink)
    try:
        shown['secrets'] = sink_secrets.mask(
            sink_secrets.decrypt(conf, sink['secrets'])
            if sink['secrets'] else {})
    except base.SinkError:
        shown['secrets'] = sink_secrets.MASK
    return shown


def get(conf, connection, sink_id):
    return show(conf, _stored(connection, sink_id))


def list_sinks(conf, connection):
    return [show(conf, s) for s in connection.sinks()]


def usable(conf, sink):
    """A stored sink with its secrets in clear, for its driver."""
    return dict(sink, secrets=sink_secrets.decrypt(conf, sink['secrets']))


def get_usable(conf, connection, sink_id):
    """The sink of an id, its secrets in clear; SinkNotFound."""
    return usable(conf, _stored(connection, sink_id))


def _by_id(action):
    def call(connection, sink_id, *args, **kwargs):
        try:
            return action(connection, sink_id, *args, **kwargs)
        except db_api.NotFound:
            raise SinkNotFound('no sink with id %s' % sink_id, 'id')
    call.__doc__ = action.__doc__
    return call


@_by_id
def delete(connection, sink_id):
    """Delete a sink, its backlog and its dead letters."""
    connection.delete_sink(sink_id)


@_by_id
def pause(connection, sink_id):
    """Stop delivering to a sink; its outbox keeps filling."""
    connection.set_sink_paused(sink_id, True)


@_by_id
def resume(connection, sink_id):
    connection.set_sink_paused(sink_id, False)


@_by_id
def retry_dead_letters(connection, sink_id, entry_ids=None):
    """Send dead letters again (all, or those ids); return how many."""
    return connection.retry_dead_letters(sink_id, entry_ids)


@_by_id
def dead_letters(connection, sink_id, limit=100, marker=None):
    connection.sink(sink_id)
    return connection.dead_letters(sink_id, limit, marker)


@_by_id
def replay(connection, sink_id, start, end):
    """Queue a sink's records of [start, end) again; return how many.

    The sink's filters choose the records, as they did the first time.
    """
    sink = _stored(connection, sink_id)
    return connection.queue_replay(
        sink_id, start, end,
        lambda record: filters.takes(sink, record))


@_by_id
def status(connection, sink_id):
    """Delivery counters of a sink, see DeliveryMixin.sink_status."""
    return connection.sink_status(sink_id)


def refused(conf, connection):
    """(name, reason) of each stored sink the confinement refuses.

    Sinks written before the confinement existed, or before the options
    narrowed it: the engine names them when it starts, and does not
    deliver to them.
    """
    confinement = confinement_mod.Confinement.from_conf(conf)
    found = []
    for sink in connection.sinks():
        try:
            definition = usable(conf, sink)
            validate({f: definition.get(f) for f in FIELDS}, confinement)
        except base.SinkError as exc:
            found.append((sink['name'], str(exc)))
    return found


def seed(connection, path, conf=None):
    """Create or update the sinks listed in a YAML file."""
    try:
        with open(path) as f:
            document = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise base.SinkError('%s: %s' % (path, exc))
    listed = document.get('sinks') if isinstance(document, dict) else None
    if not isinstance(listed, list):
        raise base.SinkError('%s: expected a "sinks" list' % path)
    stored = []
    for index, definition in enumerate(listed):
        try:
            stored.append(store(conf, connection, definition))
        except base.SinkError as exc:
            error = base.SinkError('%s: sinks[%d]: %s' % (path, index, exc))
            error.field = exc.field
            raise error
    return stored
