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
"""JSON schemas of request bodies and query parameters.

doc/source/api/openapi.yaml holds the same schemas; a unit test checks
that they are equal, so the published API is the enforced one.
"""

NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
TIME = {'type': 'string', 'format': 'date-time', 'maxLength': 64}
LIMIT = {'type': 'integer', 'minimum': 1}
STRINGS = {'type': 'array', 'items': NAME, 'maxItems': 100}

SINK_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
             'pattern': '^[A-Za-z0-9][A-Za-z0-9_.-]*$'}
SINK_FILTERS = {
    'type': 'object', 'additionalProperties': False,
    'properties': {
        'kinds': {'type': 'array', 'maxItems': 10, 'uniqueItems': True,
                  'items': {'type': 'string',
                            'enum': ['usage', 'started', 'changed',
                                     'ended', 'lifecycle', 'rated_usage',
                                     'invoice.finalized', 'invoice.voided',
                                     'billing']}},
        'meters': STRINGS,
        'resource_types': STRINGS,
        'projects': STRINGS,
    },
}
SINK_SECRETS = {
    'type': 'object', 'maxProperties': 32,
    'propertyNames': {'pattern': '^[A-Za-z0-9_.-]{1,64}$'},
    'additionalProperties': {'type': 'string', 'minLength': 1,
                             'maxLength': 8192},
}
_SINK_FIELDS = {
    'name': SINK_NAME,
    'driver': {'type': 'string', 'pattern': '^[a-z0-9_]{1,64}$'},
    'url': {'type': 'string', 'minLength': 1, 'maxLength': 2048},
    'format': {'type': 'string', 'pattern': '^[a-z0-9_]{1,64}$'},
    'options': {'type': 'object', 'maxProperties': 64},
    'filters': SINK_FILTERS,
    'secrets': SINK_SECRETS,
}

SINK_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['name', 'driver'],
    'properties': _SINK_FIELDS,
}


def _nullable(schema):
    return {'anyOf': [schema, {'type': 'null'}]}


# A JSON merge patch (RFC 7396): null removes a field or a secret.
SINK_UPDATE = {
    'type': 'object', 'additionalProperties': False, 'minProperties': 1,
    'properties': dict(
        {name: _nullable(schema) for name, schema in _SINK_FIELDS.items()
         if name not in ('name', 'driver', 'secrets')},
        name=SINK_NAME, driver=_SINK_FIELDS['driver'],
        secrets=dict(SINK_SECRETS, additionalProperties=_nullable(
            SINK_SECRETS['additionalProperties']))),
}

REPLAY = {
    'type': 'object', 'additionalProperties': False,
    'required': ['start', 'end'],
    'properties': {'start': TIME, 'end': TIME},
}

RETRY = {
    'type': 'object', 'additionalProperties': False,
    'properties': {'ids': {'type': 'array', 'minItems': 1,
                           'maxItems': 1000, 'uniqueItems': True,
                           'items': {'type': 'integer', 'minimum': 1}}},
}

PAGE = {'limit': LIMIT, 'marker': NAME}

SINKS_QUERY = PAGE
DEAD_LETTERS_QUERY = {'limit': LIMIT,
                      'marker': {'type': 'integer', 'minimum': 0}}

USAGE_QUERY = {
    'project_id': NAME,
    'all_projects': {'type': 'boolean'},
    'start': TIME,
    'end': TIME,
    'meter': STRINGS,
    'resource_type': STRINGS,
    'group_by': {'type': 'array', 'maxItems': 10, 'uniqueItems': True,
                 'items': {'type': 'string',
                           'pattern': '^[A-Za-z0-9_.:-]{1,64}$'}},
}

RESOURCES_QUERY = dict(
    PAGE,
    project_id=NAME,
    all_projects={'type': 'boolean'},
    resource_type=NAME,
    start=TIME,
    end=TIME,
)

CORRECTION_KINDS = ['void', 'end', 'start', 'remeter']
CORRECTION_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['kind', 'reason'],
    'properties': {
        'kind': {'type': 'string', 'enum': CORRECTION_KINDS},
        'reason': {'type': 'string', 'minLength': 1, 'maxLength': 1000},
        'event_id': {'type': 'string', 'minLength': 1, 'maxLength': 36},
        'resource_type': {'type': 'string', 'minLength': 1,
                          'maxLength': 64},
        'resource_id': NAME,
        'time': TIME,
        'quarantine_id': {'type': 'integer', 'minimum': 1},
        'message': {'type': 'object'},
    },
}

CORRECTIONS_QUERY = dict(
    PAGE,
    status={'type': 'string', 'enum': ['pending', 'applied', 'failed']},
    resource_type=NAME,
    resource_id=NAME,
)

# Billing: the catalog (price lists, plans, subscriptions), quotes and
# rated usage. The envelopes are checked here; the documents inside
# (prices, tiers, fees) by scs_metering.rating, whose errors name the
# field. Amounts are decimal strings or integers: a JSON number with a
# fraction is refused before these schemas (api/billing.py).
BILLING_ID = {'type': 'string', 'minLength': 1, 'maxLength': 255,
              'pattern': '^[A-Za-z0-9][A-Za-z0-9_.:-]*$'}
AMOUNT = {'type': ['string', 'integer'], 'maxLength': 64}
CURRENCY = {'type': 'string', 'pattern': '^[A-Z]{3}$'}
DESCRIPTION = {'type': 'string', 'minLength': 1, 'maxLength': 255}
REASON = {'type': 'string', 'minLength': 1, 'maxLength': 1000}

PRICE_LIST_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['id', 'currency'],
    'properties': {'id': BILLING_ID, 'currency': CURRENCY,
                   'description': DESCRIPTION},
}
PRICE_LIST_VERSION_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['effective_from', 'prices'],
    'properties': {
        'effective_from': TIME,
        'description': DESCRIPTION,
        'prices': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                   'items': {'type': 'object', 'maxProperties': 16}},
        'force': {'type': 'boolean'},
        'reason': REASON,
    },
}
PLAN_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['id', 'price_list'],
    'properties': {
        'id': BILLING_ID, 'price_list': BILLING_ID,
        'description': DESCRIPTION,
        'fees': {'type': 'array', 'maxItems': 100, 'items': {
            'type': 'object', 'additionalProperties': False,
            'required': ['id', 'amount'],
            'properties': {'id': BILLING_ID, 'amount': AMOUNT,
                           'description': DESCRIPTION}}},
        'allowances': {'type': 'array', 'maxItems': 100, 'items': {
            'type': 'object', 'additionalProperties': False,
            'required': ['price', 'free_units'],
            'properties': {'price': NAME, 'free_units': AMOUNT}}},
    },
}
ANCHOR_DAY = {'anyOf': [{'type': 'integer', 'minimum': 1, 'maximum': 28},
                        {'enum': [31, 'month_end']}]}
PLAN_TIMELINE = {'type': 'array', 'minItems': 1, 'maxItems': 100, 'items': {
    'type': 'object', 'additionalProperties': False,
    'required': ['plan', 'from'],
    'properties': {'plan': BILLING_ID, 'from': TIME}}}
SUBSCRIPTION_CREATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['plans'],
    'properties': {
        'id': BILLING_ID,
        'project_id': NAME,
        'domain_id': NAME,
        'plans': PLAN_TIMELINE,
        'end': _nullable(TIME),
        'anchor_day': ANCHOR_DAY,
        'timezone': {'type': 'string', 'minLength': 1, 'maxLength': 64},
        'customer_ref': _nullable(NAME),
    },
}
# What may change: the future of the plan timeline, the end and the
# customer reference. The past stays as it was billed.
SUBSCRIPTION_UPDATE = {
    'type': 'object', 'additionalProperties': False, 'minProperties': 1,
    'properties': {
        'plans': PLAN_TIMELINE,
        'end': _nullable(TIME),
        'customer_ref': _nullable(NAME),
    },
}

CATALOG_QUERY = PAGE
SUBSCRIPTIONS_QUERY = dict(
    PAGE,
    project_id=NAME,
    domain_id=NAME,
    all_projects={'type': 'boolean'},
)

QUOTE_USAGE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['meter', 'quantity'],
    'properties': {
        'id': NAME,
        'meter': NAME,
        'quantity': AMOUNT,
        'unit': {'type': 'string', 'minLength': 1, 'maxLength': 64},
        'attributes': {'type': 'object', 'maxProperties': 64},
        'start': TIME,
        'end': TIME,
    },
}
QUOTE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['plan', 'usage'],
    'properties': {
        'plan': BILLING_ID,
        'start': TIME,
        'anchor_day': ANCHOR_DAY,
        'timezone': {'type': 'string', 'minLength': 1, 'maxLength': 64},
        'usage': {'type': 'array', 'maxItems': 10000, 'items': QUOTE_USAGE},
    },
}

RATED_USAGE_QUERY = {
    'project_id': NAME,
    'all_projects': {'type': 'boolean'},
    'subscription_id': NAME,
    'start': TIME,
    'end': TIME,
    'group_by': {'type': 'array', 'maxItems': 6, 'uniqueItems': True,
                 'items': {'type': 'string',
                           'pattern': '^[A-Za-z0-9_.:-]{1,64}$'}},
}

INVOICE_STATUSES = ['draft', 'finalized', 'voided']
INVOICES_QUERY = dict(
    PAGE,
    project_id=NAME,
    all_projects={'type': 'boolean'},
    subscription_id=NAME,
    status={'type': 'string', 'enum': INVOICE_STATUSES},
    start=TIME,
    end=TIME,
)
INVOICE_QUERY = {'format': {'type': 'string',
                            'enum': ['json', 'focus', 'html']}}
INVOICE_INTERIM = {
    'type': 'object', 'additionalProperties': False,
    'minProperties': 1, 'maxProperties': 1,
    'properties': {'subscription_id': NAME, 'project_id': NAME},
}
# A reason that says something: not only blanks.
STATED_REASON = dict(REASON, pattern='\\S')
INVOICE_VOID = {
    'type': 'object', 'additionalProperties': False,
    'required': ['reason'], 'properties': {'reason': STATED_REASON},
}
RERATE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['start', 'end', 'reason'],
    'properties': {'start': TIME, 'end': TIME, 'reason': STATED_REASON,
                   'subscription_id': NAME, 'project_id': NAME},
}

QUARANTINE_FILTERS = {
    'service': {'type': 'string', 'minLength': 1, 'maxLength': 64},
    'reason': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'since': TIME,
    'until': TIME,
}
# Entry ids are BIGINT: a larger one would be a database error.
MAX_ID = 2 ** 63 - 1
QUARANTINE_ID = {'type': 'integer', 'minimum': 1, 'maximum': MAX_ID}
QUARANTINE_MARKER = {'type': 'integer', 'minimum': 0, 'maximum': MAX_ID}
QUARANTINE_QUERY = dict(QUARANTINE_FILTERS, limit=LIMIT,
                        marker=QUARANTINE_MARKER)
QUARANTINE_RETRY = {
    'type': 'object', 'additionalProperties': False,
    'properties': dict(
        QUARANTINE_FILTERS, limit=LIMIT, marker=QUARANTINE_MARKER,
        ids={'type': 'array', 'minItems': 1, 'maxItems': 1000,
             'uniqueItems': True, 'items': QUARANTINE_ID}),
}
# Throttling. A rule's document is checked by scs_metering.throttling,
# which names the field at fault; these only bound the request.
RULE_ID = {'type': 'string', 'minLength': 1, 'maxLength': 64,
           'pattern': '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'not': {
               'enum': ['evaluate']}}
RULE_CREATE = {'type': 'object', 'properties': {'id': RULE_ID}}
RULE_UPDATE = {'type': 'object', 'properties': {
    'expected_version': {'type': 'integer', 'minimum': 1}}}
RULE_EVALUATE = {
    'type': 'object', 'additionalProperties': False,
    'properties': {'rule_id': RULE_ID, 'rule': {'type': 'object'}},
}
RULES_QUERY = {}
DECISIONS_QUERY = dict(
    PAGE,
    project_id=NAME,
    all_projects={'type': 'boolean'},
    rule_id=RULE_ID,
    state={'type': 'string', 'enum': ['open', 'lifted', 'closed',
                                      'active']},
)
DECISION_LIFT = {
    'type': 'object', 'additionalProperties': False, 'required': ['reason'],
    'properties': {'reason': STATED_REASON},
}
ENFORCEMENTS_QUERY = {'project_id': NAME}
