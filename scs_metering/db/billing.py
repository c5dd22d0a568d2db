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
"""The billing part of the storage interface, which db/api.py declares.

Apart from db/api.py so that neither grows past a screenful; the
Connection there inherits it, and the SQL driver implements it in
db/sqlalchemy/billing.py and invoicing.py. Errors are db.api's NotFound
and Conflict. Documents are the rating core's plain dicts; storage keeps
them and indexes a few of their fields, nothing more.
"""

import abc


class BillingConnection(metaclass=abc.ABCMeta):
    """Price lists, plans, subscriptions, rated lines and invoices."""

    # Billing: price lists, plans, subscriptions (db/sqlalchemy/billing.py)

    @abc.abstractmethod
    def create_price_list(self, price_list_id, currency, description, now):
        """Store a new, empty price list; Conflict if the id is taken."""

    @abc.abstractmethod
    def price_lists(self):
        """Every price list (models.PriceList) with its versions."""

    @abc.abstractmethod
    def price_list(self, price_list_id):
        """One price list with its versions, oldest first; NotFound."""

    @abc.abstractmethod
    def add_price_list_version(self, price_list_id, effective_from, prices,
                               now, description=None, forced=False,
                               force_reason=None):
        """Publish the next version of a list; its models.PriceListVersion.

        ``prices`` are the price documents, already checked by the rating
        core. Versions are never edited; Conflict if another version
        takes effect at the same instant.
        """

    @abc.abstractmethod
    def create_plan(self, plan_id, price_list_id, document, now):
        """Store an immutable plan; Conflict if the id is taken."""

    @abc.abstractmethod
    def plans(self):
        """Every plan (models.Plan)."""

    @abc.abstractmethod
    def plan(self, plan_id):
        """One plan; NotFound."""

    @abc.abstractmethod
    def delete_plan(self, plan_id):
        """Delete a plan no subscription names; Conflict if one does."""

    @abc.abstractmethod
    def put_subscription(self, subscription, now):
        """Create or replace a subscription; the stored revision."""

    @abc.abstractmethod
    def subscriptions(self, project_id=None, domain_id=None):
        """Subscriptions (models.Subscription), of a scope if given."""

    @abc.abstractmethod
    def subscription(self, subscription_id):
        """One subscription; NotFound."""

    # Billing: rated lines and invoices (db/sqlalchemy/invoicing.py)

    @abc.abstractmethod
    def store_rated(self, subscription_id, period_start, rated, now,
                    sinks_matching, reason=None):
        """Append what changed in a period's rating; the new revisions.

        ``rated`` is the whole period's rating (models.RatedLine without
        revisions). A line equal to its current revision is left alone;
        a changed one gets a new revision; a current line absent from
        ``rated`` gets a revision costing nothing. Never an update.

        Each new revision gets an outbox entry (kind RATED_USAGE) for
        every sink ``sinks_matching(sinks)(line)`` returns, in the same
        transaction; ``sinks`` reads the sinks in that transaction
        (publisher.filters.matching_sinks is such a function).
        """

    @abc.abstractmethod
    def rated_lines(self, subscription_id=None, project_id=None,
                    period_start=None, start=None, end=None, limit=None,
                    marker=None):
        """Current rated lines, by window start then id."""

    @abc.abstractmethod
    def rated_periods(self, subscription_id, since):
        """Period starts with a current rated line stored after ``since``."""

    @abc.abstractmethod
    def rated_revisions(self, keys):
        """Rated lines of (id, revision) pairs, keyed by them."""

    @abc.abstractmethod
    def add_invoice(self, invoice, now):
        """Store an invoice; (the stored models.Invoice, whether new).

        If a standing invoice already fills its slot, that one is
        returned: generating a period twice, or from two engines at
        once, makes one invoice.
        """

    @abc.abstractmethod
    def invoices(self, subscription_id=None, project_id=None,
                 domain_id=None, status=None, limit=None, marker=None,
                 start=None, end=None):
        """Invoices (models.Invoice) newest period first, with lines.

        ``start`` and ``end`` keep those whose billing period overlaps
        [start, end).
        """

    @abc.abstractmethod
    def invoice(self, invoice_id):
        """One invoice with its lines; NotFound."""

    @abc.abstractmethod
    def period_invoices(self, subscription_id, period_start):
        """Invoices with a line of the period starting then, oldest first.

        What rating.invoices.billed_state needs: the period's own
        invoices and those carrying corrections of it.
        """

    @abc.abstractmethod
    def finalize_invoice(self, invoice_id, finalize, sinks_matching):
        """Number a draft and store ``finalize(document, sequence)``.

        The issuer's counter is locked and drawn in the same transaction,
        so numbers have no gaps. Conflict unless the invoice is a draft.
        The models.InvoiceRecord INVOICE_FINALIZED gets its outbox
        entries in the same transaction, as for store_rated.
        """

    @abc.abstractmethod
    def void_invoice(self, invoice_id, void, sinks_matching):
        """Store ``void(document)`` of a finalized invoice.

        Its slot is freed for a replacement. Conflict unless finalized.
        INVOICE_VOIDED goes to the outbox as for finalize_invoice.
        """

    @abc.abstractmethod
    def discard_draft(self, invoice_id):
        """Delete a draft, which nobody has seen numbered; Conflict else."""
