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
"""Rated lines as Lago usage events (POST /api/v1/events/batch).

Lago adds up the events it receives and drops a ``transaction_id`` it
has seen. So the id is the rated line's id and revision: a redelivery
of the same revision is dropped, and a new revision is a new event. As
Lago cannot replace an event, revision n carries what changed since
revision n - 1 (possibly negative), and the events of a line always sum
to its current revision. Quantities are decimal strings, never floats.

As a sink format (``lago``) a batch is the body of one request to
``/api/v1/events/batch``, of at most MAX_BATCH events; the option
``external_subscription_id`` names the Lago subscription when it is not
our subscription id.
"""

import json

from scs_metering.common import jsonutils
from scs_metering.common import timeutils
from scs_metering.db import models
from scs_metering.publisher import base

# Lago takes at most 100 events per batch request.
MAX_BATCH = 100


def transaction_id(line):
    return '%s:%d' % (line.id, line.revision)


def event(line, previous=None, subscription_ref=None):
    """The Lago event of a rated line revision.

    ``previous`` is revision n - 1 of the same line, which revision n
    corrects; None for the first.
    """
    quantity, amount = line.quantity, line.amount
    if previous is not None:
        quantity -= previous.quantity
        amount -= previous.amount
    return {
        'transaction_id': transaction_id(line),
        'external_subscription_id': subscription_ref or line.subscription_id,
        'code': line.meter,
        'timestamp': timeutils.epoch(line.window_start),
        'properties': {
            'quantity': jsonutils.decimal_text(quantity),
            'unit': line.unit,
            'amount': jsonutils.decimal_text(amount),
            'currency': line.currency,
            'project_id': line.project_id,
            'resource_id': line.resource_id,
            'usage_id': line.usage_id,
        },
    }


def batches(lines, previous, subscription_ref=None):
    """Request bodies of at most MAX_BATCH events each.

    ``previous`` maps (id, revision) to the rated line revisions the
    lines' earlier revisions are.
    """
    events = [event(line, previous.get((line.id, line.revision - 1)),
                    subscription_ref) for line in lines]
    return [{'events': events[i:i + MAX_BATCH]}
            for i in range(0, len(events), MAX_BATCH)]


class LagoFormat(base.Format):
    """Rated line revisions as Lago events; see the module's doc."""

    kinds = (models.RATED_USAGE,)
    default_kinds = kinds
    max_batch = MAX_BATCH
    needs_previous = True

    def document(self, record, previous=None):
        return event(record, previous,
                     self.options.get('external_subscription_id'))

    def encode(self, documents):
        return json.dumps({'events': documents}, sort_keys=True,
                          separators=(',', ':')).encode()
