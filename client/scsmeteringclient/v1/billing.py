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
"""Price lists, plans, subscriptions, quotes and rated usage.

Amounts go to the API as decimal strings, as they come back: pass
"0.0125", never a float, which the API refuses.
"""

from scsmeteringclient.v1 import base


def _body(**fields):
    return {k: v for k, v in fields.items() if v is not None}


class PriceListManager(base.Manager):

    def list(self, limit=None, marker=None):
        """Price lists with their versions, without prices."""
        return self._list('/price-lists', 'price_lists', limit=limit,
                          marker=marker)

    def get(self, price_list_id):
        return self.http.request('GET', '/price-lists/%s' % base.quote(
            price_list_id))

    def create(self, price_list_id, currency, description=None):
        return self.http.request('POST', '/price-lists', json=_body(
            id=price_list_id, currency=currency, description=description))

    def versions(self, price_list_id):
        return self.http.request('GET', '/price-lists/%s/versions' % (
            base.quote(price_list_id)))['versions']

    def get_version(self, price_list_id, number):
        return self.http.request('GET', '/price-lists/%s/versions/%s' % (
            base.quote(price_list_id), base.quote(number)))

    def publish(self, price_list_id, effective_from, prices,
                description=None, force=False, reason=None):
        """Publish a version; back-dating needs ``force`` and a reason."""
        return self.http.request(
            'POST', '/price-lists/%s/versions' % base.quote(price_list_id),
            json=_body(effective_from=base.time(effective_from),
                       prices=list(prices), description=description,
                       force=force or None, reason=reason))


class PlanManager(base.Manager):

    def list(self, limit=None, marker=None):
        return self._list('/plans', 'plans', limit=limit, marker=marker)

    def get(self, plan_id):
        return self.http.request('GET', '/plans/%s' % base.quote(plan_id))

    def create(self, plan_id, price_list, fees=None, allowances=None,
               description=None):
        """``fees``: [{id, amount}]; ``allowances``: [{price, free_units}]."""
        return self.http.request('POST', '/plans', json=_body(
            id=plan_id, price_list=price_list, fees=fees,
            allowances=allowances, description=description))

    def delete(self, plan_id):
        self.http.request('DELETE', '/plans/%s' % base.quote(plan_id))


class SubscriptionManager(base.Manager):

    def list(self, project_id=None, domain_id=None, all_projects=False,
             limit=None, marker=None):
        return self._list('/subscriptions', 'subscriptions', {
            'project_id': project_id, 'domain_id': domain_id,
            'all_projects': 'true' if all_projects else None}, limit,
            marker)

    def get(self, subscription_id):
        return self.http.request('GET', '/subscriptions/%s' % base.quote(
            subscription_id))

    def create(self, plans, project_id=None, domain_id=None,
               subscription_id=None, anchor_day=None, timezone=None,
               customer_ref=None, end=None):
        """``plans``: [(plan id, from)], the first from is the start."""
        return self.http.request('POST', '/subscriptions', json=_body(
            id=subscription_id, project_id=project_id, domain_id=domain_id,
            plans=[{'plan': plan, 'from': base.time(start)}
                   for plan, start in plans],
            anchor_day=anchor_day, timezone=timezone,
            customer_ref=customer_ref,
            end=None if end is None else base.time(end)))

    def update(self, subscription_id, **changes):
        """Change ``plans`` (the whole timeline), ``end``, ``customer_ref``.

        Only the future may change; None clears ``end`` or
        ``customer_ref``.
        """
        if changes.get('plans') is not None:
            changes['plans'] = [{'plan': plan, 'from': base.time(start)}
                                for plan, start in changes['plans']]
        if changes.get('end') is not None:
            changes['end'] = base.time(changes['end'])
        return self.http.request('PATCH', '/subscriptions/%s' % base.quote(
            subscription_id), json=changes)


class RatingManager(base.Manager):

    def quote(self, plan, usage, start=None, anchor_day=None,
              timezone=None):
        """Rate a hypothetical usage on ``plan``; nothing is stored.

        ``usage`` items are dicts of meter, quantity (a decimal string),
        and optionally unit, attributes, start and end.
        """
        return self.http.request('POST', '/quote', json=_body(
            plan=plan, usage=list(usage),
            start=None if start is None else base.time(start),
            anchor_day=anchor_day, timezone=timezone))

    def rated_usage(self, project_id=None, all_projects=False,
                    subscription_id=None, start=None, end=None,
                    group_by=None):
        params = _body(project_id=project_id,
                       subscription_id=subscription_id,
                       start=None if start is None else base.time(start),
                       end=None if end is None else base.time(end),
                       group_by=group_by or None)
        if all_projects:
            params['all_projects'] = 'true'
        return self.http.request('GET', '/rated-usage', params=params)

    def rerate(self, start, end, reason, subscription_id=None,
               project_id=None):
        """Rate [start, end) again; invoiced periods through corrections."""
        return self.http.request('POST', '/rating/rerate', json=_body(
            start=base.time(start), end=base.time(end), reason=reason,
            subscription_id=subscription_id, project_id=project_id))
