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
"""Invoices: a project's readers see their own; administrators issue them.

An interim invoice is an administrator's by default. An operator who lets
customers ask for their own sets ``scs-metering:invoice:interim`` to
``rule:project_reader_or_admin`` (or a member rule) in the policy file;
the target is the project of the subscription invoiced.
"""

from scs_metering.policies import base

_INVOICE = '/v1/invoices/{invoice_id}'

rules = [
    base.rule('invoice:list', base.PROJECT_READER_OR_ADMIN,
              'List the invoices of one project.', 'GET', '/v1/invoices'),
    base.rule('invoice:list_all_projects', base.ADMIN_OR_SYSTEM_READER,
              'List the invoices of all projects (all_projects=true).',
              'GET', '/v1/invoices'),
    base.rule('invoice:show', base.PROJECT_READER_OR_ADMIN,
              'Show an invoice as JSON, FOCUS CSV or a printable page.',
              'GET', _INVOICE),
    base.rule('invoice:interim', base.ADMIN,
              'Issue a draft interim invoice, from the end of the last '
              'invoice to the last closed usage window.', 'POST',
              '/v1/invoices/interim'),
    base.rule('invoice:finalize', base.ADMIN,
              'Finalize a draft invoice: number it and fix its content.',
              'POST', _INVOICE + '/finalize'),
    base.rule('invoice:void', base.ADMIN,
              'Void a finalized invoice, with a reason; a replacement '
              'draft is issued.', 'POST', _INVOICE + '/void'),
]


def list_rules():
    return rules
