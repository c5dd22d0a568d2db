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
"""The base of listers: what a service's API says exists right now.

A lister reconciles one resource type. It is a plugin, found under the
``scs_metering.listers`` entry point by its resource type, and loaded only
when that type is reconciled (reconcile/listers/__init__.py): a service
an operator meters with definitions of their own
(``definitions/data/<service>.yaml`` shows the form) is reconciled by a
lister of their own, in a package of their own, without a patch here.

There are two kinds:

* a ``Lister`` pages through an inventory of every live resource (and,
  where the API keeps them, deleted ones), and turns each item into an
  ``Observed`` fact, with the same attribute names as the notification
  definitions of its resource type, so that a listed resource and a
  notified one compare equal. The runner compares those with what the
  engine tracks and infers the creates, changes and deletes it missed.
  Most listers only declare where the items are (``service_type``,
  ``path``, ``collection``, pagination ``style``) and where their fields
  are (``item_fields``, ``attributes``: JSON pointers into an item, as in
  the definitions); ``nova.py`` shows one that overrides the methods.

  Each lister also says what its API's times are worth. ``created_at``
  is the earliest a life can have started (most APIs stamp the request,
  before the resource is usable); ``started_at``, where it is declared,
  dates the start exactly (nova's ``launched_at``, neutron's
  ``created_at``). A life whose notification dated its start keeps that
  start whatever the API says; the API's time is used only where no
  notification dated it, exactly if declared so, and otherwise as a bound
  only (the admin guide's reconciliation section states the rule).
* a ``Poller`` measures what no notification carries and stores gauge
  samples itself (``swift.py``: bytes per account).

To add one: subclass either, set ``resource_type``, and register the class
under ``scs_metering.listers`` with the resource type as the entry point's
name; then add the type to ``[reconciliation] resource_types``.
"""

import dataclasses
import datetime

from scs_metering.common import timeutils
from scs_metering.definitions import fields
from scs_metering.definitions import guards
from scs_metering.reconcile import client


@dataclasses.dataclass
class Observed:
    """One resource as a listing shows it."""

    resource_id: str
    project_id: str
    user_id: str
    # The earliest its life can have started, which never changes during
    # one life and so tells lives apart; and when billing of that life
    # started, where the API dates it exactly (None where it does not).
    born_at: datetime.datetime
    started_at: datetime.datetime
    updated_at: datetime.datetime
    attributes: dict
    # Set only by listings of deleted resources, which date the delete.
    deleted_at: datetime.datetime = None


def _time(value):
    """An API time as an aware UTC datetime in whole seconds."""
    if isinstance(value, str):
        try:
            # The C parser reads every API's forms (Z, offset, none,
            # microseconds) an order of magnitude faster than iso8601.
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            return timeutils.parse(value)
        if when.tzinfo is None:
            return when.replace(tzinfo=datetime.timezone.utc,
                                microsecond=0)
        if when.tzinfo is not datetime.timezone.utc:
            when = when.astimezone(datetime.timezone.utc)
        return when.replace(microsecond=0) if when.microsecond else when
    raise TypeError('expected a time')


_CONVERT = {'str': fields.CONVERTERS['str'],
            'int': fields.CONVERTERS['int'],
            'datetime': _time,
            'present': lambda value: True}


class Getter:
    """One field of listed items: the first non-empty pointer wins.

    The same semantics as the definitions' Field, limited to the plain
    pointers and types listers use, because a listing reads it millions
    of times and the general Field costs several times more per call.
    """

    def __init__(self, name, spec, type_='str', required=False):
        if isinstance(spec, dict):
            type_, spec = spec.get('type', type_), spec['path']
        self.name = name
        self.pointers = spec if isinstance(spec, list) else [spec]
        self.parts = [fields.split_pointer(p) for p in self.pointers]
        # The common case, one top-level key, is read without the loops.
        self.key = (self.parts[0][0] if len(self.parts) == 1 and
                    len(self.parts[0]) == 1 else None)
        self.type = type_
        self.convert = _CONVERT[type_]
        self.required = required

    def extract(self, item):
        if self.key is not None:
            value = item.get(self.key)
        else:
            value = None
            for parts in self.parts:
                value = item
                for part in parts:
                    value = (value.get(part) if isinstance(value, dict)
                             else None)
                if value is not None and value != '':
                    break
        if value is None or value == '':
            return self._absent()
        try:
            value = self.convert(value)
        except (TypeError, ValueError) as exc:
            raise fields.FieldError('wrong type for field %s: %s, got %r' % (
                self.name, exc, value))
        # The same guards as for notifications: a listing is input too.
        refused = guards.check_value('field %s' % self.name, value)
        if refused:
            raise fields.GuardError(refused)
        return value

    def _absent(self):
        if self.type == 'present':
            return False
        if self.required:
            raise fields.FieldError('missing field %s (%s)' % (
                self.name, ' or '.join(self.pointers)))
        return None


class Lister:
    """Lists one resource type of one service, across all projects.

    Every lister is built with the service's configuration and the meter
    definitions it runs with, as the loader builds it.
    """

    resource_type = None
    service_type = None
    path = None
    collection = None
    style = client.LINKS
    params = {}
    headers = {}
    # JSON pointer specs of the common fields and of the attributes:
    # ``created_at`` (required) only bounds a life's start from below;
    # ``started_at``, if given, is a field that dates the start exactly.
    item_fields = {}
    attributes = {}
    # Whether the API moves its exact start during a life (nova moves
    # launched_at on resize and rebuild), so that a later listing no
    # longer dates the start.
    start_moves = False

    def __init__(self, conf, definitions):
        self.page_size = conf.reconciliation.page_size
        spec = dict({'user_id': [], 'updated_at': []}, **self.item_fields)
        self._id = Getter('id', spec.get('resource_id', '/id'),
                          required=True)
        self._project = Getter('project_id', spec['project_id'],
                               required=True)
        self._user = Getter('user_id', spec['user_id'])
        self._born = Getter('created_at', spec['created_at'],
                            type_='datetime', required=True)
        self._started = Getter('started_at', spec.get('started_at', []),
                               type_='datetime')
        self._updated = Getter('updated_at', spec['updated_at'],
                               type_='datetime')
        self._attributes = [Getter(name, attr) for name, attr in sorted(
            self.attributes.items())]

    def resource_id(self, item):
        """The id alone: even an item we cannot read is known to exist."""
        return self._id.extract(item)

    def observe(self, item, deleted_at=None):
        """An Observed of one listed item; FieldError if it is unusable."""
        if not isinstance(item, dict):
            raise fields.FieldError('a listed item is not a JSON object')
        return Observed(
            resource_id=self._id.extract(item),
            project_id=self._project.extract(item),
            user_id=self._user.extract(item),
            born_at=self._born.extract(item),
            started_at=self._started.extract(item),
            updated_at=self._updated.extract(item),
            attributes={f.name: f.extract(item) for f in self._attributes},
            deleted_at=deleted_at)

    def _pages(self, cloud, extra=None, headers=None):
        params = dict(self.params, limit=self.page_size, **(extra or {}))
        return cloud.pages(self.service_type, self.path, self.collection,
                           params=params,
                           headers=dict(self.headers, **(headers or {})),
                           style=self.style)

    def inventory(self, cloud):
        """Pages of raw items of every live resource."""
        return self._pages(cloud)

    def deleted(self, cloud, since):
        """Pages of (raw item, deletion time) of resources deleted since.

        Only APIs that keep deleted rows can say; the others yield
        nothing and their deletes are inferred from absence.
        """
        return iter(())


def project_pages(cloud, page_size):
    """Pages of the ids of every Keystone project, for the pollers.

    A project without an id makes the listing fail: a poller that bills
    per project cannot tell which one it would have missed.
    """
    identity = cloud.endpoint('identity').rstrip('/')
    path = '/projects' if identity.endswith('/v3') else '/v3/projects'
    for page in cloud.pages('identity', path, 'projects',
                            params={'limit': page_size},
                            style=client.LINKS_NEXT):
        ids = []
        for project in page:
            project_id = project.get('id') if isinstance(
                project, dict) else None
            if not isinstance(project_id, str) or not project_id:
                raise client.ListingError(
                    'identity: a listed project has no id')
            ids.append(project_id)
        yield ids


class Poller:
    """Measures one resource type and stores the samples itself."""

    resource_type = None

    def __init__(self, conf, definitions):
        self.conf = conf
        self.definitions = definitions

    def poll(self, cloud, ingestor, clock, report):
        """Store the samples of one run; count them in ``report``.

        Raise client.ListingError when the run cannot complete.
        """
        raise NotImplementedError
