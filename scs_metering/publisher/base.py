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
"""The interface of sink drivers and record formats.

A sink driver is a small class registered under the ``scs_metering.sinks``
entry point namespace; a format under ``scs_metering.formats``. The
delivery machinery (outbox, claims, retries, dead letters, counters) is
shared, so a driver only has to move one batch and say how it went.
"""

import abc
import hashlib
import json

from scs_metering.common import exception
from scs_metering.db import models


class DeliveryError(Exception):
    """A batch was not delivered."""


class TransientError(DeliveryError):
    """Try again later; ``retry_after`` seconds if the sink said so."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The sink refuses the batch; retrying the same bytes cannot help.

    ``answer`` keeps what the sink said, for the dead letter.
    """

    def __init__(self, message, answer=None):
        super().__init__(message)
        self.answer = answer


class SinkError(exception.MeteringError):
    """A sink definition cannot be used.

    ``field`` names the part of the definition at fault, such as
    ``url`` or ``options.timeout``; the message starts with it.
    """

    code = 400

    def __init__(self, message, field=None):
        super().__init__('%s: %s' % (field, message) if field else message)
        self.field = field

    @property
    def client_message(self):
        return 'Invalid sink: %s' % self


class Batch:
    """Record revisions of one delivery, already formatted."""

    def __init__(self, records, documents, body, content_type, fmt=None):
        self.records = records
        self.documents = documents  # one dict per record revision
        self.body = body  # the documents encoded by the format, as bytes
        self.content_type = content_type
        self.format = fmt

    def file_lines(self):
        """(header of an empty file, lines) for a file, as bytes.

        JSON Lines, one document per line, unless the format writes a
        file its own way (FOCUS CSV).
        """
        if self.format is not None:
            return self.format.file_lines(self.documents)
        return b'', json_lines(self.documents)

    @property
    def keys(self):
        """(record id, revision) of each document."""
        return [(r.id, r.revision) for r in self.records]

    @property
    def key(self):
        """The same for every delivery of the same record revisions."""
        text = '\n'.join('%s:%s' % k for k in sorted(self.keys))
        return hashlib.sha256(text.encode()).hexdigest()


class Sink(metaclass=abc.ABCMeta):
    """Where usage records go.

    ``definition`` is the sink as stored: name, url, options and
    decrypted secrets. The constructor checks them and raises SinkError.
    """

    # The record kinds the driver can store, or None for any.
    kinds = None

    def __init__(self, definition):
        self.definition = definition

    @abc.abstractmethod
    def send(self, batch):
        """Deliver a batch; return only once the sink holds all of it.

        The same record revision may be sent again after a crash or a
        timeout, so the sink must accept duplicates under the same id.
        Raise TransientError or PermanentError on failure.
        """

    def guard(self, policy):
        """Connect only where ``policy`` allows (publisher/addresses.py).

        The engine calls it before the first send. The http(s) drivers
        check the address of every connection; the default checks
        nothing.
        """

    def confine(self, confinement):
        """Refuse, with SinkError, to write where the service lives.

        ``confinement`` is a publisher/confinement.py Confinement; the API
        calls it when a sink is written, the engine before the first
        send. The default writes nowhere of the service's.
        """

    def close(self):
        """Release connections and files."""


class Format(metaclass=abc.ABCMeta):
    """How a record looks on the wire; ``options`` are the sink's.

    ``kinds`` are the record kinds it renders (a sink's ``kinds`` filter
    may name no other); ``default_kinds`` those its sinks receive
    without a ``kinds`` filter.
    """

    content_type = 'application/json'
    kinds = models.KINDS
    default_kinds = models.KINDS

    def __init__(self, options=None):
        self.options = options or {}

    @abc.abstractmethod
    def document(self, record):
        """A JSON-serialisable dict for one record revision."""

    # The most records one batch may hold (the sink's batch_size is cut
    # to it), or None.
    max_batch = None
    # Whether document() takes the record's previous revision too.
    needs_previous = False

    def encode(self, documents):
        """The body of a batch of documents, as bytes: a JSON array."""
        return json.dumps(documents, sort_keys=True,
                          separators=(',', ':')).encode()

    def file_lines(self, documents):
        """(header of an empty file, lines) for the file sink."""
        return b'', json_lines(documents)


def json_lines(documents):
    """Documents as JSON Lines, keys sorted, as bytes."""
    return b''.join(json.dumps(doc, sort_keys=True,
                               separators=(',', ':')).encode() + b'\n'
                    for doc in documents)
