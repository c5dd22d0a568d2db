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
"""The throttling part of the storage interface, which db/api.py declares.

Apart from db/api.py as billing's half is; the Connection there
inherits it, and the SQL driver implements it in
db/sqlalchemy/throttling.py. Errors are db.api's NotFound and Conflict.
Rule versions come back as models.RuleVersion; decisions and
enforcement records as the documents of scs_metering.throttling
(``decisions.Decision.document``, ``enforcement.Record.document``),
which storage keeps whole and indexes a few fields of.
"""

import abc


class ThrottlingConnection(metaclass=abc.ABCMeta):
    """Rules and their versions, decisions, enforcement records."""

    @abc.abstractmethod
    def create_rule(self, rule_id, document, now, author=None):
        """Store version 1 of a new rule; Conflict if the id is taken."""

    @abc.abstractmethod
    def add_rule_version(self, rule_id, document, now, author=None,
                         expected=None):
        """Store the next version of a rule; its models.RuleVersion.

        The rule is locked while it is numbered, so two writers number
        in turn. ``expected``, if given, is the version the writer
        edited: Conflict if another one came since. NotFound.
        """

    @abc.abstractmethod
    def rule_versions(self, rule_id=None, latest=False):
        """Versions by rule id then number; only the latest if asked.

        NotFound if ``rule_id`` names no rule.
        """

    @abc.abstractmethod
    def decisions(self, project_id=None, rule_id=None, states=None,
                  limit=None, marker=None):
        """Decision documents, newest opening first (then id).

        ``marker`` is the id of the last decision of the previous page.
        """

    @abc.abstractmethod
    def decision(self, decision_id):
        """One decision document; NotFound."""

    @abc.abstractmethod
    def save_decisions(self, documents, now):
        """Store a run's decisions; the ids of those that opened here.

        A document whose id is new is inserted, unless its opening is
        stored already (its ``dedup_key``) or the rule has another
        active decision for the project: then it is skipped, so a
        retried or concurrent run opens (and announces) it once. A known
        id is updated. Each decision has its own transaction.
        """

    @abc.abstractmethod
    def lift_decision(self, decision_id, lift, now):
        """Store ``lift(document)`` under a row lock; the new document.

        ``lift`` raises ValueError when the decision cannot be lifted,
        which becomes a Conflict. NotFound.
        """

    @abc.abstractmethod
    def enforcement_records(self, project_id=None):
        """Enforcement record documents, by enforcer, project, target."""

    @abc.abstractmethod
    def save_enforcements(self, records, now):
        """Store ``{(enforcer, project, target): document or None}``.

        None deletes the record: its target was reverted.
        """

    @abc.abstractmethod
    def throttling_projects(self):
        """Every project metering knows: it has usage or a subscription."""

    @abc.abstractmethod
    def rated_totals(self, currency, start, end):
        """Rated amounts in ``currency`` of windows in [start, end).

        Current rated lines summed per project, meter and the usage
        record's attributes: dicts with project_id, meter, attributes
        and amount (Decimal).
        """

    @abc.abstractmethod
    def record_throttling_run(self, evaluator, started_at, finished_at,
                              status, problems, report, as_of=None,
                              error=None):
        """Keep the last run of an evaluator.

        ``status`` is success, partial (some rules, projects or
        enforcement steps failed; the others went on) or failed (nothing
        was decided); only a success moves last_success_at.
        """

    @abc.abstractmethod
    def throttling_runs(self):
        """The last run of every evaluator, as dicts, by evaluator."""
