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
"""Price lists, their versions and prices, plans and subscriptions.

``BillingMixin`` is mixed into the Connection. Versions and plans are
written once and never updated: an edit is a new version, a new plan.
The documents were checked by scs_metering.rating before they came here;
this module only keeps them, and lets the database refuse duplicates.
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import billing_models as models

to_db = timeutils.to_db
from_db = timeutils.from_db


def _version(row, prices):
    return api_models.PriceListVersion(
        price_list_id=row.price_list_id, number=row.number,
        effective_from=from_db(row.effective_from),
        prices=tuple(p.document for p in prices),
        description=row.description, forced=row.forced,
        force_reason=row.force_reason, created_at=from_db(row.created_at))


def _plan(row):
    return api_models.Plan(id=row.id, price_list_id=row.price_list_id,
                           document=row.document,
                           created_at=from_db(row.created_at))


def _subscription(row):
    return api_models.Subscription(
        id=row.id, document=row.document,
        started_at=from_db(row.started_at), ended_at=from_db(row.ended_at),
        project_id=row.project_id, domain_id=row.domain_id,
        anchor_day=row.anchor_day, timezone=row.timezone,
        customer_ref=row.customer_ref, revision=row.revision,
        created_at=from_db(row.created_at),
        updated_at=from_db(row.updated_at))


class BillingMixin:

    def _insert_once(self, row, what):
        try:
            with self._writer() as session:
                session.add(row)
        except db_exc.DBDuplicateEntry:
            raise api.Conflict('%s %s exists already' % (what, row.id))

    def create_price_list(self, price_list_id, currency, description, now):
        self._insert_once(models.PriceList(
            id=price_list_id, currency=currency, description=description,
            created_at=to_db(now)), 'price list')
        return self.price_list(price_list_id)

    def _price_lists(self, session, ids=None):
        query = sa.select(models.PriceList).order_by(models.PriceList.id)
        if ids is not None:
            query = query.where(models.PriceList.id.in_(ids))
        lists = list(session.scalars(query))
        found = [r.id for r in lists]
        prices = {}
        for price in session.scalars(sa.select(models.Price).where(
                models.Price.price_list_id.in_(found)).order_by(
                models.Price.position)):
            prices.setdefault((price.price_list_id, price.version),
                              []).append(price)
        versions = {}
        for row in session.scalars(sa.select(
                models.PriceListVersion).where(
                models.PriceListVersion.price_list_id.in_(found)).order_by(
                models.PriceListVersion.effective_from)):
            versions.setdefault(row.price_list_id, []).append(_version(
                row, prices.get((row.price_list_id, row.number), ())))
        return [api_models.PriceList(
            id=r.id, currency=r.currency, description=r.description,
            created_at=from_db(r.created_at),
            versions=tuple(versions.get(r.id, ()))) for r in lists]

    def price_lists(self):
        with self._reader() as session:
            return self._price_lists(session)

    def price_list(self, price_list_id):
        with self._reader() as session:
            found = self._price_lists(session, [price_list_id])
        if not found:
            raise api.NotFound('no price list has id %s' % price_list_id)
        return found[0]

    @api.retry_on_conflict
    def _add_version(self, price_list_id, effective_from, prices, now,
                     description, forced, force_reason):
        version = models.PriceListVersion
        with self._writer() as session:
            # Lock the list, so that two publishers number in turn.
            listed = session.scalars(sa.select(models.PriceList).where(
                models.PriceList.id == price_list_id).with_for_update()
            ).first()
            if listed is None:
                raise api.NotFound('no price list has id %s' % price_list_id)
            if session.scalar(sa.select(version.number).where(
                    version.price_list_id == price_list_id,
                    version.effective_from == to_db(effective_from))):
                raise api.Conflict('price list %s has a version in force '
                                   'from %s already' % (
                                       price_list_id,
                                       timeutils.isoformat(effective_from)))
            number = (session.scalar(sa.select(sa.func.max(
                version.number)).where(
                version.price_list_id == price_list_id)) or 0) + 1
            session.add(version(
                price_list_id=price_list_id, number=number,
                effective_from=to_db(effective_from),
                description=description, forced=bool(forced),
                force_reason=force_reason, created_at=to_db(now)))
            session.flush()
            session.add_all([models.Price(
                price_list_id=price_list_id, version=number,
                price_id=price['id'], position=index,
                meter=price.get('meter'), document=price)
                for index, price in enumerate(prices)])
            return number

    def add_price_list_version(self, price_list_id, effective_from, prices,
                               now, description=None, forced=False,
                               force_reason=None):
        number = self._add_version(price_list_id, effective_from,
                                   list(prices), now, description, forced,
                                   force_reason)
        return [v for v in self.price_list(price_list_id).versions
                if v.number == number][0]

    def create_plan(self, plan_id, price_list_id, document, now):
        try:
            self._insert_once(models.Plan(
                id=plan_id, price_list_id=price_list_id, document=document,
                created_at=to_db(now)), 'plan')
        except db_exc.DBReferenceError:
            raise api.NotFound('no price list has id %s' % price_list_id)
        return self.plan(plan_id)

    def plans(self):
        with self._reader() as session:
            return [_plan(r) for r in session.scalars(
                sa.select(models.Plan).order_by(models.Plan.id))]

    def plan(self, plan_id):
        with self._reader() as session:
            row = session.get(models.Plan, plan_id)
            if row is None:
                raise api.NotFound('no plan has id %s' % plan_id)
            return _plan(row)

    def delete_plan(self, plan_id):
        with self._writer() as session:
            row = session.get(models.Plan, plan_id, with_for_update=True)
            if row is None:
                raise api.NotFound('no plan has id %s' % plan_id)
            # Plans sit in the subscriptions' documents, not in a column:
            # a plan change list is short, and scanning them is rare.
            for sub in session.scalars(sa.select(models.Subscription)):
                if any(p.get('plan') == plan_id
                       for p in sub.document.get('plans', ())):
                    raise api.Conflict('subscription %s uses plan %s' % (
                        sub.id, plan_id))
            session.delete(row)

    def put_subscription(self, subscription, now):
        with self._writer() as session:
            row = session.get(models.Subscription, subscription.id,
                              with_for_update=True)
            if row is None:
                row = models.Subscription(id=subscription.id, revision=0,
                                          created_at=to_db(now))
                session.add(row)
            row.revision += 1
            row.document = subscription.document
            row.project_id = subscription.project_id
            row.domain_id = subscription.domain_id
            row.anchor_day = str(subscription.anchor_day)
            row.timezone = subscription.timezone
            row.customer_ref = subscription.customer_ref
            row.started_at = to_db(subscription.started_at)
            row.ended_at = to_db(subscription.ended_at)
            row.updated_at = to_db(now)
            session.flush()
            return _subscription(row)

    def subscriptions(self, project_id=None, domain_id=None):
        with self._reader() as session:
            query = sa.select(models.Subscription).order_by(
                models.Subscription.id)
            if project_id is not None:
                query = query.where(
                    models.Subscription.project_id == project_id)
            if domain_id is not None:
                query = query.where(
                    models.Subscription.domain_id == domain_id)
            return [_subscription(r) for r in session.scalars(query)]

    def subscription(self, subscription_id):
        with self._reader() as session:
            row = session.get(models.Subscription, subscription_id)
            if row is None:
                raise api.NotFound('no subscription has id %s' %
                                   subscription_id)
            return _subscription(row)
