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
"""Rated lines and invoices.

``InvoicingMixin`` is mixed into the Connection. Rated lines are only
ever appended; the ``current`` flag of the revision a new one replaces
is the one column that changes, as for usage records. An invoice row is
written whole with its lines; afterwards only its status fields change,
and only along draft -> finalized -> voided. Numbers are drawn from a
per-issuer counter locked in the finalizing transaction, so a rollback
returns the number and the sequence has no gap.
"""

import dataclasses
import decimal

from oslo_db import exception as db_exc
import sqlalchemy as sa

from scs_metering.common import timeutils
from scs_metering.db import api
from scs_metering.db import models as api_models
from scs_metering.db.sqlalchemy import billing_models as models
from scs_metering.db.sqlalchemy import delivery
from scs_metering.db.sqlalchemy import rows

to_db = timeutils.to_db
from_db = timeutils.from_db
_RATED_COLUMNS = ('id', 'subscription_id', 'usage_id', 'usage_revision',
                  'line_key', 'meter', 'resource_id', 'project_id',
                  'quantity', 'unit', 'pricing_unit', 'amount', 'currency',
                  'num', 'den', 'revision', 'current', 'reason')


def _rated(row):
    fields = {name: getattr(row, name) for name in _RATED_COLUMNS}
    return api_models.RatedLine(
        period_start=from_db(row.period_start),
        window_start=from_db(row.window_start),
        window_end=from_db(row.window_end),
        created_at=from_db(row.created_at), **fields)


def _rated_row(line, revision, now, reason):
    values = {name: getattr(line, name) for name in _RATED_COLUMNS}
    values.update(revision=revision, current=True, reason=reason,
                  period_start=to_db(line.period_start),
                  window_start=to_db(line.window_start),
                  window_end=to_db(line.window_end), created_at=to_db(now))
    return values


def _time(document, name):
    return to_db(timeutils.parse(document[name])) if document.get(
        name) else None


def _invoice_row(invoice):
    doc = invoice.document
    return models.Invoice(
        id=doc['id'], subscription_id=doc['subscription_id'],
        project_id=doc.get('project_id'), domain_id=doc.get('domain_id'),
        slot=invoice.slot, issuer=invoice.issuer, number=doc.get('number'),
        kind=doc['kind'], status=doc['status'],
        period_start=_time(doc, 'billing_period_start'),
        period_end=_time(doc, 'billing_period_end'),
        covers_start=_time(doc, 'covers_start'),
        covers_end=_time(doc, 'covers_end'), currency=doc['currency'],
        total=decimal.Decimal(doc['total']),
        content_hash=doc.get('content_hash'), replaces=doc.get('replaces'),
        document={k: v for k, v in doc.items() if k != 'lines'},
        created_at=_time(doc, 'created_at'),
        finalized_at=_time(doc, 'finalized_at'),
        voided_at=_time(doc, 'voided_at'))


def _line_rows(document):
    return [models.InvoiceLine(
        invoice_id=document['id'], position=index, kind=line['kind'],
        item=line['item'], quantity=decimal.Decimal(line['quantity']),
        amount=decimal.Decimal(line['amount']),
        billing_period_start=_time(line, 'billing_period_start'),
        charge_class=line.get('charge_class'),
        correction_of=line.get('correction_of'), document=line)
        for index, line in enumerate(document['lines'])]


class InvoicingMixin:

    # Rated lines

    @api.retry_on_conflict
    def store_rated(self, subscription_id, period_start, rated, now,
                    sinks_matching, reason=None):
        table = models.RatedLine
        with self._writer() as session:
            current = {row.id: row for row in session.scalars(
                sa.select(table).where(
                    table.subscription_id == subscription_id,
                    table.period_start == to_db(period_start),
                    table.current.is_(True)))}
            inserts, replaced = [], []
            for line in rated:
                old = current.pop(line.id, None)
                if old is not None:
                    if line.same_charge(_rated(old)):
                        continue
                    replaced.append(old.pk)
                inserts.append(_rated_row(
                    line, old.revision + 1 if old else 1, now,
                    reason if old else None))
            for old in current.values():
                if not old.quantity and not old.amount:
                    continue
                # The record is gone from the rating (voided usage, or
                # now unrated): a revision that costs nothing says so.
                line = _rated(old)
                replaced.append(old.pk)
                inserts.append(_rated_row(
                    dataclasses.replace(line, quantity=decimal.Decimal(0),
                                        amount=decimal.Decimal(0)),
                    old.revision + 1, now, reason or 'no longer rated'))
            for chunk in rows.chunks(replaced):
                session.execute(sa.update(table).where(
                    table.pk.in_(chunk)).values(current=False))
            for chunk in rows.chunks(inserts):
                session.execute(sa.insert(table), chunk)
            stored = [api_models.RatedLine(**dict(
                values, period_start=from_db(values['period_start']),
                window_start=from_db(values['window_start']),
                window_end=from_db(values['window_end']),
                created_at=from_db(values['created_at'])))
                for values in inserts]
            delivery.add_outbox(
                session, now, api_models.RATED_USAGE,
                [(line, line.revision) for line in stored],
                self._matching(session, sinks_matching))
        return stored

    def rated_lines(self, subscription_id=None, project_id=None,
                    period_start=None, start=None, end=None, limit=None,
                    marker=None):
        table = models.RatedLine
        query = sa.select(table).where(table.current.is_(True)).order_by(
            table.window_start, table.id)
        if subscription_id is not None:
            query = query.where(table.subscription_id == subscription_id)
        if project_id is not None:
            query = query.where(table.project_id == project_id)
        if period_start is not None:
            query = query.where(table.period_start == to_db(period_start))
        if start is not None:
            query = query.where(table.window_start >= to_db(start))
        if end is not None:
            query = query.where(table.window_start < to_db(end))
        with self._reader() as session:
            if marker is not None:
                after = session.scalars(sa.select(table).where(
                    table.id == marker, table.current.is_(True))).first()
                if after is None:
                    raise api.NotFound('no rated line has id %s' % marker)
                query = query.where(sa.or_(
                    table.window_start > after.window_start,
                    sa.and_(table.window_start == after.window_start,
                            table.id > after.id)))
            if limit is not None:
                query = query.limit(limit)
            return [_rated(r) for r in session.scalars(query)]

    def rated_periods(self, subscription_id, since):
        table = models.RatedLine
        with self._reader() as session:
            return {from_db(start) for start in session.scalars(
                sa.select(table.period_start).distinct().where(
                    table.subscription_id == subscription_id,
                    table.current.is_(True),
                    table.created_at > to_db(since)))}

    @staticmethod
    def _matching(session, sinks_matching):
        """``sinks_matching`` over the sinks as this session reads them."""
        return sinks_matching(lambda: delivery.session_sinks(session))

    def billing_outbox_records(self, entries):
        """Rated lines and invoice records of outbox entries.

        Keyed by (kind, id, revision), as DeliveryMixin.outbox_records.
        """
        rated = {(e['record_id'], e['revision']) for e in entries
                 if e['kind'] == api_models.RATED_USAGE}
        found = {(api_models.RATED_USAGE,) + key: line
                 for key, line in self.rated_revisions(rated).items()}
        kinds = api_models.InvoiceRecord.REVISIONS
        wanted = [e for e in entries if e['kind'] in kinds]
        if not wanted:
            return found
        with self._reader() as session:
            invoices = {}
            for chunk in rows.chunks(sorted({e['record_id']
                                             for e in wanted})):
                invoices.update((i.id, i) for i in self._with_lines(
                    session, list(session.scalars(sa.select(
                        models.Invoice).where(
                        models.Invoice.id.in_(chunk))))))
        for entry in wanted:
            invoice = invoices.get(entry['record_id'])
            if invoice is not None:
                found[(entry['kind'], entry['record_id'],
                       entry['revision'])] = api_models.InvoiceRecord.of(
                    entry['kind'], invoice)
        return found

    def rated_revisions(self, keys):
        table = models.RatedLine
        found = {}
        with self._reader() as session:
            for chunk in rows.chunks(sorted(keys)):
                for row in session.scalars(sa.select(table).where(
                        sa.tuple_(table.id, table.revision).in_(chunk))):
                    found[(row.id, row.revision)] = _rated(row)
        return found

    # Invoices

    def _with_lines(self, session, invoice_rows):
        ids = [r.id for r in invoice_rows]
        lines = {}
        for chunk in rows.chunks(ids):
            for line in session.scalars(sa.select(models.InvoiceLine).where(
                    models.InvoiceLine.invoice_id.in_(chunk)).order_by(
                    models.InvoiceLine.position)):
                lines.setdefault(line.invoice_id, []).append(line.document)
        return [api_models.Invoice(
            document=dict(r.document, lines=lines.get(r.id, [])),
            issuer=r.issuer, slot=r.slot) for r in invoice_rows]

    def add_invoice(self, invoice, now):
        doc = invoice.document
        try:
            with self._writer() as session:
                session.add(_invoice_row(invoice))
                session.flush()
                session.add_all(_line_rows(doc))
        except db_exc.DBDuplicateEntry:
            with self._reader() as session:
                table = models.Invoice
                row = session.scalars(sa.select(table).where(sa.or_(
                    table.id == doc['id'], sa.and_(
                        table.subscription_id == doc['subscription_id'],
                        table.slot == invoice.slot)))).first()
                if row is None:
                    raise
                return self._with_lines(session, [row])[0], False
        return self.invoice(doc['id']), True

    def invoices(self, subscription_id=None, project_id=None,
                 domain_id=None, status=None, limit=None, marker=None,
                 start=None, end=None):
        table = models.Invoice
        query = sa.select(table).order_by(table.period_start.desc(),
                                          table.created_at.desc(),
                                          table.id)
        for column, value in ((table.subscription_id, subscription_id),
                              (table.project_id, project_id),
                              (table.domain_id, domain_id),
                              (table.status, status)):
            if value is not None:
                query = query.where(column == value)
        if start is not None:
            query = query.where(table.period_end > to_db(start))
        if end is not None:
            query = query.where(table.period_start < to_db(end))
        with self._reader() as session:
            found = list(session.scalars(query))
            if marker is not None:
                ids = [r.id for r in found]
                if marker not in ids:
                    raise api.NotFound('no invoice has id %s' % marker)
                found = found[ids.index(marker) + 1:]
            if limit is not None:
                found = found[:limit]
            return self._with_lines(session, found)

    def invoice(self, invoice_id):
        with self._reader() as session:
            row = session.get(models.Invoice, invoice_id)
            if row is None:
                raise api.NotFound('no invoice has id %s' % invoice_id)
            return self._with_lines(session, [row])[0]

    def period_invoices(self, subscription_id, period_start):
        table = models.Invoice
        when = to_db(period_start)
        carrying = sa.select(models.InvoiceLine.invoice_id).where(
            models.InvoiceLine.billing_period_start == when)
        with self._reader() as session:
            found = session.scalars(sa.select(table).where(
                table.subscription_id == subscription_id,
                sa.or_(table.period_start == when,
                       table.id.in_(carrying))).order_by(
                table.created_at, table.id))
            return self._with_lines(session, list(found))

    def _locked(self, session, invoice_id, status):
        row = session.get(models.Invoice, invoice_id, with_for_update=True)
        if row is None:
            raise api.NotFound('no invoice has id %s' % invoice_id)
        if row.status != status:
            raise api.Conflict('invoice %s is %s, not %s: a finalized '
                               'invoice is never changed' % (
                                   invoice_id, row.status, status))
        return row, self._with_lines(session, [row])[0].document

    def _set_status(self, session, row, document, before, kind,
                    sinks_matching):
        """Store a status change and its outbox entries, in ``session``."""
        if document['lines'] != before['lines'] or document['id'] != row.id:
            raise api.Conflict('invoice %s: only its status may change' %
                               row.id)
        row.status = document['status']
        row.number = document.get('number')
        row.content_hash = document.get('content_hash')
        row.finalized_at = _time(document, 'finalized_at')
        row.voided_at = _time(document, 'voided_at')
        row.document = {k: v for k, v in document.items() if k != 'lines'}
        record = api_models.InvoiceRecord.of(kind, api_models.Invoice(
            document, row.issuer, row.slot))
        delivery.add_outbox(session, timeutils.utcnow(), kind,
                            [(record, record.revision)],
                            self._matching(session, sinks_matching))

    @api.retry_on_conflict
    def finalize_invoice(self, invoice_id, finalize, sinks_matching):
        with self._writer() as session:
            row, before = self._locked(session, invoice_id,
                                       api_models.DRAFT)
            counter = session.get(models.InvoiceCounter, row.issuer,
                                  with_for_update=True)
            if counter is None:
                # Two first finalizations race to insert it: the loser
                # gets a duplicate and is retried whole.
                counter = models.InvoiceCounter(issuer=row.issuer, last=0)
                session.add(counter)
            counter.last += 1
            self._set_status(session, row, finalize(before, counter.last),
                             before, api_models.INVOICE_FINALIZED,
                             sinks_matching)
        return self.invoice(invoice_id)

    def void_invoice(self, invoice_id, void, sinks_matching):
        with self._writer() as session:
            row, before = self._locked(session, invoice_id,
                                       api_models.FINALIZED)
            self._set_status(session, row, void(before), before,
                             api_models.INVOICE_VOIDED, sinks_matching)
            row.slot = None
        return self.invoice(invoice_id)

    def discard_draft(self, invoice_id):
        with self._writer() as session:
            row, _before = self._locked(session, invoice_id,
                                        api_models.DRAFT)
            session.execute(sa.delete(models.InvoiceLine).where(
                models.InvoiceLine.invoice_id == invoice_id))
            session.delete(row)
