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
"""SQLAlchemy models of throttling: rules, decisions, enforcements.

They share the declarative base of models.py, as billing's do. The
documents are the plain dicts of scs_metering.throttling; the columns
beside them are what queries filter on and what the database keeps
unique: one version number per rule, one decision per opening
(``dedup_key``) and one active decision per rule and project
(``active_key``, NULL once closed).
"""

import sqlalchemy as sa

from scs_metering.common import sqltypes
from scs_metering.db.sqlalchemy import models

Base = models.Base
Name = models.Name
Id = sa.String(64)


class Rule(Base):
    """A rule: its versions hold everything; this row numbers them."""

    __tablename__ = 'throttling_rules'

    id = sa.Column(Id, primary_key=True)
    latest_version = sa.Column(sa.Integer, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class RuleVersion(Base):
    """An immutable version of a rule."""

    __tablename__ = 'throttling_rule_versions'

    rule_id = sa.Column(Id, sa.ForeignKey('throttling_rules.id'),
                        primary_key=True)
    version = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    document = sa.Column(sqltypes.JSONText, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    created_by = sa.Column(Name)


class Decision(Base):
    """A decision; only its state, version and closing ever change."""

    __tablename__ = 'throttling_decisions'
    __table_args__ = (
        sa.UniqueConstraint('dedup_key',
                            name='uniq_throttling_decisions0dedup'),
        sa.UniqueConstraint('active_key',
                            name='uniq_throttling_decisions0active'),
        sa.Index('ix_throttling_decisions_project', 'project_id',
                 'opened_at'),
        sa.Index('ix_throttling_decisions_state', 'state'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    dedup_key = sa.Column(sa.String(400), nullable=False)
    # rule:project while open or lifted, NULL once closed.
    active_key = sa.Column(sa.String(330))
    rule_id = sa.Column(Id, nullable=False)
    project_id = sa.Column(Name, nullable=False)
    state = sa.Column(sa.String(16), nullable=False)
    opened_version = sa.Column(sa.Integer, nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    opened_at = sa.Column(sa.DateTime, nullable=False)
    closed_at = sa.Column(sa.DateTime)
    document = sa.Column(sqltypes.JSONText, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class Enforcement(Base):
    """What one enforcer holds of one project's target, and its prior."""

    __tablename__ = 'throttling_enforcements'

    enforcer = sa.Column(sa.String(64), primary_key=True)
    project_id = sa.Column(Name, primary_key=True)
    target = sa.Column(Name, primary_key=True)
    document = sa.Column(sqltypes.JSONText, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)


class Run(Base):
    """The last run of one evaluator, for status and metrics."""

    __tablename__ = 'throttling_runs'

    evaluator = sa.Column(Name, primary_key=True)
    started_at = sa.Column(sa.DateTime, nullable=False)
    finished_at = sa.Column(sa.DateTime, nullable=False)
    as_of = sa.Column(sa.DateTime)
    status = sa.Column(sa.String(16), nullable=False)
    error = sa.Column(sa.Text)
    # Rules or projects not evaluated, and enforcement steps that failed.
    problems = sa.Column(sa.Integer, nullable=False)
    report = sa.Column(sqltypes.JSONText, nullable=False)
    last_success_at = sa.Column(sa.DateTime)
