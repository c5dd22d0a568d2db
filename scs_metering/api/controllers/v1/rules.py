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
"""/v1/rules: throttling rules, their versions, and a dry run.

Every write is a new immutable version, checked by the throttling core
(scs_metering.throttling.rules), whose errors name the field at fault;
the engine's evaluator reads the latest versions at the start of its
next run, with no restart and no RPC. ``POST /v1/rules/evaluate`` runs
the evaluator on what storage holds now and answers what the next run
would change, deciding and enforcing nothing.
"""

import uuid

import pecan

from scs_metering.api import exception
from scs_metering.api import policy
from scs_metering.api import render
from scs_metering.api import schemas
from scs_metering.api import validation
from scs_metering.common import timeutils
from scs_metering.db import api as db_api
from scs_metering.rating import errors as rating_errors
from scs_metering.throttling.enforcers import loader as loader_
from scs_metering.throttling import errors
from scs_metering.throttling import evaluator
from scs_metering.throttling import inputs
from scs_metering.throttling import rules as rules_


def _view(request, version):
    document = dict(version.document)
    document.update(render.jsonable({
        'id': version.rule_id, 'version': version.version,
        'created_at': version.created_at, 'created_by': version.created_by}))
    href = '%s/v1/rules/%s' % (request.application_url, version.rule_id)
    document['links'] = [{'rel': 'self', 'href': href},
                         {'rel': 'versions', 'href': href + '/versions'}]
    return document


def _checked(request, body, *skipped):
    """The rule document of a request body, checked; 400 naming a field."""
    document = {k: v for k, v in body.items() if k not in skipped}
    loader = loader_.Loader(request.conf)
    try:
        parsed = rules_.parse_rule(document,
                                   meters=request.definitions.meters,
                                   check_action=loader.check_action)
    except rating_errors.DocumentError as exc:
        raise exception.InvalidBody(reason=str(exc))
    # Kept as parsed: defaults filled, numbers as the core writes them.
    return parsed.document()


def _author(request):
    # No user without Keystone ([api] auth_strategy = noauth).
    return request.context.user_id or 'noauth'


def _versions(request, rule_id):
    try:
        return request.storage.rule_versions(rule_id)
    except db_api.NotFound:
        raise exception.NotFound(kind='Rule', id=rule_id)


class VersionsController:

    def __init__(self, rule_id):
        self.rule_id = rule_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'rule:show')
        validation.query(request, {})
        return {'versions': [_view(request, v)
                             for v in _versions(request, self.rule_id)]}


class RuleController:

    def __init__(self, rule_id):
        self.rule_id = rule_id
        self.versions = VersionsController(rule_id)

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'PUT')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'rule:show')
        validation.query(request, {})
        return _view(request, _versions(request, self.rule_id)[-1])

    @index.when(method='PUT', template='json')
    def index_put(self):
        request = pecan.request
        policy.authorize(request, 'rule:update')
        body = validation.body(request, schemas.RULE_UPDATE)
        document = _checked(request, body, 'expected_version')
        try:
            stored = request.storage.add_rule_version(
                self.rule_id, document, timeutils.utcnow(),
                author=_author(request),
                expected=body.get('expected_version'))
        except db_api.NotFound:
            raise exception.NotFound(kind='Rule', id=self.rule_id)
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        return _view(request, stored)


def _dry_run(request, body):
    storage = request.storage
    latest = inputs.latest_rules(storage)
    if 'rule' in body:
        draft = rules_.parse_rule(_checked(request, body['rule']),
                                  rule_id=body.get('rule_id', 'draft'),
                                  version=0)
        latest = [r for r in latest if r.rule_id != draft.rule_id]
        latest.append(draft)
    elif 'rule_id' in body:
        latest = [r for r in latest if r.rule_id == body['rule_id']]
        if not latest:
            raise exception.NotFound(kind='Rule', id=body['rule_id'])
    ids = {r.rule_id for r in latest}
    active = [d for d in inputs.active_decisions(storage)
              if d.rule_id in ids]
    clients = loader_.Loader(request.conf).clients['clients']
    reader = inputs.Reader(
        storage, {n: m.unit for n, m in request.definitions.meters.items()},
        request.conf.billing.timezone,
        lambda: inputs.keystone_domains(clients))
    as_of = reader.as_of()
    if as_of is None:
        raise exception.Conflict(reason='no usage window is closed yet: '
                                 'there is nothing to evaluate')
    try:
        snapshot = reader.snapshot(latest, as_of)
    except (errors.RunError, errors.EnforcerError) as exc:
        raise exception.Conflict(reason='the evaluator cannot read its '
                                 'inputs: %s' % exc)
    result = evaluator.evaluate(latest, snapshot, active)
    return render.jsonable({
        'as_of': as_of, 'projects': len(snapshot.projects),
        'evaluated': result.evaluated,
        'changes': [{'kind': c.kind, 'decision': c.decision.document()}
                    for c in result.changes],
        'failures': [f.document() for f in result.failures]})


class EvaluateController:

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('POST')

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'rule:evaluate')
        return _dry_run(request, validation.body(request,
                                                 schemas.RULE_EVALUATE))


class RulesController:

    evaluate = EvaluateController()

    @pecan.expose(generic=True, template='json')
    def index(self):
        exception.method_not_allowed('GET', 'POST')

    @index.when(method='GET', template='json')
    def index_get(self):
        request = pecan.request
        policy.authorize(request, 'rule:list')
        validation.query(request, schemas.RULES_QUERY)
        return {'rules': [_view(request, v) for v in
                          request.storage.rule_versions(latest=True)]}

    @index.when(method='POST', template='json')
    def index_post(self):
        request = pecan.request
        policy.authorize(request, 'rule:create')
        body = validation.body(request, schemas.RULE_CREATE)
        document = _checked(request, body, 'id')
        rule_id = body.get('id') or str(uuid.uuid4())
        try:
            stored = request.storage.create_rule(
                rule_id, document, timeutils.utcnow(),
                author=_author(request))
        except db_api.Conflict as exc:
            raise exception.Conflict(reason=str(exc))
        view = _view(request, stored)
        pecan.response.status = 201
        pecan.response.location = view['links'][0]['href']
        return view

    @pecan.expose()
    def _lookup(self, rule_id, *remainder):
        if remainder and remainder[0] != 'versions':
            pecan.abort(404)
        return RuleController(rule_id), remainder
