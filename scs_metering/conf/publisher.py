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
    'publisher', title='Publisher',
    help='Options of the delivery of usage records to sinks.')

opts = [
    cfg.StrOpt('sinks_file', mutable=True,
               help='YAML file of sink definitions, created or updated in '
                    'the database when the engine starts. Sinks managed '
                    'through the API need no entry here.'),
    cfg.ListOpt('file_sink_dirs', default=['$state_path'],
                sample_default=['/var/lib/scs-metering'],
                help='Directories that file sinks may write to, and their '
                     'subdirectories. A file sink elsewhere, or with a '
                     'relative path, is refused by the API and not '
                     'delivered to by the engine; so is one naming the '
                     'service\'s own SQLite database. Empty refuses every '
                     'file sink.'),
    cfg.IntOpt('batch_size', mutable=True, default=500, min=1,
               help='Maximum number of records sent to a sink at once.'),
    cfg.FloatOpt('interval', mutable=True, default=2.0, min=0.05,
                 help='Seconds between two delivery passes when there is '
                      'nothing to send.'),
    cfg.FloatOpt('linger', default=1.0, min=0,
                 help='Seconds a due record waits for others to fill its '
                      'batch before a smaller batch is sent. A sink option '
                      'of the same name overrides it.'),
    cfg.IntOpt('concurrency', default=2, min=1,
               help='Batches in flight to one sink at once, over all '
                    'engines. A sink option of the same name overrides '
                    'it.'),
    cfg.IntOpt('lease', default=10, min=3,
               help='Seconds a batch stays claimed by the engine sending '
                    'it without renewal; the engine renews the claim every '
                    'third of it while the sink takes the batch. A batch '
                    'of an engine that died (kill -9, power loss) is sent '
                    'again by another engine, under the same record ids, '
                    'once its lease expired; so is the delivery lease of '
                    'SQLite. Keep it above the longest stall of a live '
                    'engine, such as a database failover.'),
    cfg.FloatOpt('backoff_initial', default=1.0, min=0.01,
                 help='Seconds a sink rests after a transient failure; the '
                      'rest doubles with every failure in a row, with '
                      'jitter, up to backoff_max.'),
    cfg.FloatOpt('backoff_max', default=300.0, min=0.01,
                 help='Longest rest of a failing sink, in seconds. A '
                      'Retry-After answer can ask for more.'),
    cfg.IntOpt('delivered_retention_days', mutable=True, default=0,
               min=0,
               help='Days an outbox entry is kept after its delivery; the '
                    'engine deletes older ones every hour. 0 keeps them '
                    'forever ("scs-metering-manage outbox purge" deletes '
                    'them by hand). Pending and dead entries are never '
                    'deleted.'),
    cfg.ListOpt('secret_keys', default=[], secret=True,
                help='Fernet keys that encrypt sink secrets (HMAC keys, '
                     'passwords, tokens) in the database; the first '
                     'encrypts, all decrypt. Make one with "python3 -c '
                     '\'from cryptography.fernet import Fernet; '
                     'print(Fernet.generate_key().decode())\'". Sinks with '
                     'secrets are refused while this is empty.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
