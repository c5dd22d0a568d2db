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

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'billing', title='Billing',
    help='Options of the engine\'s rating and invoicing worker, which '
         'rates closed usage with the subscriptions\' price lists and '
         'issues an invoice when a billing period is settled.')

opts = [
    cfg.BoolOpt('enabled', default=True,
                help='Rate usage and issue invoices in the engine. Without '
                     'subscriptions the worker finds nothing to do.'),
    cfg.IntOpt('interval', default=300, min=5,
               help='Seconds between two runs of the rating worker.'),
    cfg.IntOpt('grace_period', default=3600, min=0,
               help='Seconds to wait after a billing period\'s windows are '
                    'closed and settled before its invoice is issued, '
                    'so that late corrections still land on it rather '
                    'than on the next invoice as correction lines.'),
    cfg.StrOpt('issuer', default='scs-metering',
               help='Who issues the invoices. Invoice numbers are gapless '
                    'per issuer.'),
    cfg.StrOpt('number_format', default='{issuer}-{number:06d}',
               help='Python format of an invoice number, from {issuer} '
                    'and {number}, the issuer\'s sequence number.'),
    cfg.StrOpt('timezone', default='UTC',
               help='The operator\'s billing time zone (IANA name), for '
                    'subscriptions that name none. Invoice periods follow '
                    'it; usage windows stay in UTC.'),
    cfg.StrOpt('rounding', default='half_even',
               choices=['half_even', 'half_up', 'half_down', 'up', 'down',
                        'ceiling', 'floor'],
               help='How each invoice line is rounded, once, to the '
                    'currency\'s minor unit.'),
    cfg.BoolOpt('auto_finalize', default=True,
                help='Finalize periodic invoices as soon as they are '
                     'generated. Off, they stay drafts until finalized '
                     'through the API.'),
    cfg.IntOpt('correction_periods', default=2, min=0,
               help='Invoiced billing periods before the current one that '
                    'each run rates again, so that late usage revisions '
                    'become correction lines on the next invoice. Older '
                    'periods are re-rated on request (the re-rate API).'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
