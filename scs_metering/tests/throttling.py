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
"""Rule documents, snapshots and a Keystone stand-in for throttling tests.

Shared by the unit tests and the evaluator benchmark, so that both
evaluate the same kinds of rules over the same kinds of snapshots.
"""

import datetime
import decimal

from scs_metering.rating import periods
from scs_metering.throttling import rules
from scs_metering.throttling import runner
from scs_metering.throttling import snapshot as snapshot_

D = decimal.Decimal
UTC = datetime.timezone.utc
AS_OF = datetime.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
METER_UNITS = {'instance': 's', 'volume.size': 'GiB*s', 'image.size': 'B*s'}


def budget(threshold='100', clear='90', **overrides):
    """A budget per billing period in EUR, enforced on nova's servers."""
    document = {
        'scope': {'type': 'all'},
        'metric': {'type': 'cost', 'currency': 'EUR'},
        'window': {'type': 'billing_period'},
        'threshold': threshold, 'clear_threshold': clear,
        'mode': 'enforce',
        'actions': [{'enforcer': 'keystone_limit',
                     'params': {'service': 'compute',
                                'resource_name': 'servers', 'value': 0}},
                    {'enforcer': 'notify'}],
        'reason': 'The monthly budget is used up'}
    document.update(overrides)
    return document


def storage_cap(threshold='10240', clear='9216', **overrides):
    """Average GiB of volumes over the last hour, frozen in cinder."""
    document = {
        'scope': {'type': 'all'},
        'metric': {'type': 'quantity', 'meter': 'volume.size',
                   'unit': 'GiB*hour'},
        'window': {'type': 'rolling', 'duration': 'PT1H'},
        'threshold': threshold, 'clear_threshold': clear,
        'mode': 'enforce',
        'actions': [{'enforcer': 'cinder_quota',
                     'params': {'resource': 'gigabytes'}}],
        'reason': 'Storage cap of 10 TiB'}
    document.update(overrides)
    return document


def parse(document, rule_id='r1', version=1):
    return rules.parse_rule(document, rule_id=rule_id, version=version)


def snapshot(rule_versions, values, as_of=AS_OF, projects=None,
             meter='instance', attributes=None, cycles=None):
    """A Snapshot whose every Need holds ``values`` ({project: value}).

    Each project's value is one entry of ``meter`` with ``attributes``;
    a value may be a list of (meter, attributes, value) entries instead.
    """
    projects = projects if projects is not None else {
        p: 'default' for p in values}
    base = snapshot_.Snapshot(as_of, projects, meter_units=METER_UNITS,
                              cycles=cycles or {})
    totals = {}
    for need, members in base.needs(rule_versions).items():
        totals[need] = {}
        for project_id in sorted(members):
            value = values.get(project_id)
            if value is None:
                continue
            if isinstance(value, list):
                # Strings become Decimals; anything else is left as bad
                # data for the evaluator to refuse.
                entries = [snapshot_.Entry(m, a, D(v) if isinstance(
                    v, str) else v) for m, a, v in value]
            else:
                entries = [snapshot_.Entry(meter, attributes or {},
                                           D(value))]
            totals[need][project_id] = entries
    return base.with_totals(totals)


def cycle(anchor, zone='UTC'):
    return periods.BillingCycle(anchor, zone)


class Throttle:
    """Successive runs an hour apart, carrying decisions and records.

    What storage and the periodic evaluator will do between two runs;
    ``remember`` gets the records written before a first apply.
    """

    def __init__(self, loader, as_of=AS_OF, remember=None):
        self.loader = loader
        self.as_of = as_of
        self.remember = remember
        self.active, self.records = [], {}

    def __call__(self, rule_versions, values, **kwargs):
        kwargs.setdefault('projects', {p: 'default' for p in values})
        snap = snapshot(rule_versions, values, as_of=self.as_of, **kwargs)
        done = runner.run(rule_versions, snap, self.active,
                          self.records.values(), self.loader,
                          remember=self.remember)
        self.active = done.active
        self.records = done.outcome.merged(self.records.values())
        self.as_of += datetime.timedelta(hours=1)
        return done


class FixtureLimits:
    """keystone_limit's LimitsAPI over oslo.limit's LimitFixture.

    Writes go into the fixture's dictionaries, which oslo.limit's
    Enforcer reads as it would read Keystone, so a test sees a create
    refused exactly as nova would refuse it.
    """

    def __init__(self, limit_fixture):
        self.fixture = limit_fixture
        self.writes = []

    def service_id(self, service):
        return 'id-' + service

    def registered(self, service_id, region_id, resource_name):
        return self.fixture.reglimits.get(resource_name)

    def project_limit(self, project_id, service_id, region_id,
                      resource_name):
        limits = self.fixture.projlimits.get(project_id, {})
        if resource_name not in limits:
            return None, None
        return '%s/%s' % (project_id, resource_name), limits[resource_name]

    def create(self, project_id, service_id, region_id, resource_name,
               value):
        self.writes.append(('create', project_id, resource_name, value))
        self.fixture.projlimits.setdefault(project_id, {})[
            resource_name] = value

    def update(self, limit_id, value):
        if value == 0:
            # As Keystone does: see KeystoneLimitEnforcer.write.
            raise AssertionError('a PATCH to 0 is ignored by Keystone')
        self.writes.append(('update', limit_id, value))
        project_id, resource_name = limit_id.split('/')
        self.fixture.projlimits[project_id][resource_name] = value

    def delete(self, limit_id):
        self.writes.append(('delete', limit_id))
        project_id, resource_name = limit_id.split('/')
        del self.fixture.projlimits[project_id][resource_name]
