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
"""Sink secrets (HMAC keys, passwords, tokens), encrypted at rest.

They are stored as one Fernet token of their JSON mapping, under the first
key of ``[publisher] secret_keys``; every listed key decrypts, so a key is
rotated by putting the new one first and keeping the old one until the
sinks were stored again.
"""

import json

from cryptography import fernet

from scs_metering.publisher import base

MASK = '******'


def _cipher(conf):
    keys = conf.publisher.secret_keys if conf is not None else None
    if not keys:
        raise base.SinkError('sink secrets need [publisher] secret_keys in '
                             'the configuration, to encrypt them at rest',
                             'secrets')
    try:
        return fernet.MultiFernet([fernet.Fernet(k) for k in keys])
    except ValueError as exc:
        raise base.SinkError('[publisher] secret_keys: %s' % exc, 'secrets')


def encrypt(conf, secrets):
    if not secrets:
        return None
    return _cipher(conf).encrypt(json.dumps(
        secrets, sort_keys=True).encode()).decode()


def decrypt(conf, token):
    if not token:
        return {}
    try:
        return json.loads(_cipher(conf).decrypt(token.encode()))
    except fernet.InvalidToken:
        raise base.SinkError('cannot decrypt the stored secrets: none of '
                             '[publisher] secret_keys is the key that '
                             'encrypted them', 'secrets')


def mask(secrets):
    return {name: MASK for name in secrets or {}}


def new_key():
    """A fresh key for [publisher] secret_keys."""
    return fernet.Fernet.generate_key().decode()
