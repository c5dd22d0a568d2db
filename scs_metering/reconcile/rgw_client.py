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
"""The RADOS Gateway's admin ops API, read as an operator's admin user.

RGW sends no notifications: its traffic is known only from its usage log
(``GET /{admin}/usage``), its stored bytes from bucket stats
(``GET /{admin}/bucket?stats=true``). Both are signed like S3 requests,
with the S3 keys of a local RGW user holding the caps ``usage=read,
buckets=read, users=read``. botocore's SigV4 signer signs every attempt
afresh, and a keystoneauth session gives the timeouts, retries and
redacted debug logging of every other API call of scs-metering.

The usage API does not paginate: RGW streams everything in the asked
range in one answer. ``usage_entries`` therefore asks one hour at a time
(the log's own resolution), which bounds what one answer holds. Users
are listed in pages (``max-entries`` and ``marker``), and
``buckets_by_user`` walks them so that no answer holds every bucket of
the cloud at once.

Every error is a named subclass of RGWError, itself a ListingError: a
reconciliation that meets one knows its listing is incomplete.
"""

import collections
import datetime
import json
from urllib import parse

from botocore import auth as bc_auth
from botocore import awsrequest
from botocore import credentials as bc_credentials
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
import requests

from scs_metering.common import timeutils
from scs_metering.reconcile import client

HOUR = datetime.timedelta(hours=1)
# The figures of one usage category; RGW writes each as an integer.
FIGURES = ('bytes_sent', 'bytes_received', 'ops', 'successful_ops')
# Fields of user info that are secret material; never kept or logged.
SECRETS = ('keys', 'swift_keys', 'temp_url_keys')
RETRIABLE = [502, 503, 504]
# The cap each admin resource needs, for the message when it is missing.
CAPS = {('GET', 'usage'): 'usage=read', ('DELETE', 'usage'): 'usage=write',
        ('GET', 'bucket'): 'buckets=read', ('GET', 'user'): 'users=read'}


class RGWError(client.ListingError):
    """An admin ops request that did not give a usable answer."""


class AuthenticationFailed(RGWError):
    """RGW does not know the access key, or the signature is wrong."""


class PermissionDenied(RGWError):
    """The admin user lacks the cap the request needs."""


class NotFound(RGWError):
    """No such user or bucket."""


class Unreachable(RGWError):
    """No answer, or only server errors, after every retry."""


class BadAnswer(RGWError):
    """An answer that is not the JSON the API documents."""


# One category of one usage log entry. Its identity is (user, bucket,
# epoch, category): RGW adds every later request of the same hour into
# the same entry, so the figures of the current hour keep growing.
UsageEntry = collections.namedtuple('UsageEntry', (
    'user', 'owner', 'bucket', 'epoch', 'time', 'category') + FIGURES)
# A part of the log that could not be read, with the reason; the rest
# of the answer is still read. ``where`` names what it belonged to.
Rejected = collections.namedtuple('Rejected', ('reason', 'where'))


class SigV4(requests.auth.AuthBase):
    """Sign a prepared request with botocore, on every attempt.

    Only the host and botocore's own x-amz-* headers are signed, so that
    headers added on the way (user agent, request ids) cannot break the
    signature. The query is signed exactly as it will be sent.
    """

    def __init__(self, access_key, secret_key, region):
        self._signer = bc_auth.S3SigV4Auth(
            bc_credentials.Credentials(access_key, secret_key), 's3',
            region)

    def __call__(self, prepared):
        unsigned = awsrequest.AWSRequest(method=prepared.method,
                                         url=prepared.url,
                                         data=prepared.body or b'')
        self._signer.add_auth(unsigned)
        for name, value in unsigned.headers.items():
            prepared.headers[name] = value
        return prepared


def _query(params):
    """A query string encoded as SigV4 canonicalises it.

    RGW re-encodes what it receives before checking the signature, so
    every reserved character (a tenant's ``$``, a space in a time) is
    percent-encoded here; a parameter without a value stays bare.
    """
    parts = []
    for key, value in params:
        key = parse.quote(key, safe='-_.~')
        parts.append(key if value is None else '%s=%s' % (
            key, parse.quote(str(value), safe='-_.~')))
    return '&'.join(parts)


def _flag(value):
    return 'true' if value else 'false'


def _rgw_time(when):
    """The documented time form of the admin API, in UTC."""
    if when.tzinfo is None:
        raise ValueError('an admin API time must be timezone-aware: %r'
                         % (when,))
    return when.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%d %H:%M:%S')


def _hour_floor(when):
    return timeutils.window_floor(when, 3600)


class AdminClient:
    """Calls to one RGW endpoint as one admin ops user."""

    def __init__(self, endpoint, access_key, secret_key,
                 admin_entry='admin', region='us-east-1', session=None,
                 timeout=60, connect_retries=3, status_code_retries=3,
                 verify=True):
        self.base = '%s/%s' % (endpoint.rstrip('/'), admin_entry.strip('/'))
        self._auth = SigV4(access_key, secret_key, region)
        self._own_session = session is None
        self.session = session or ks_session.Session(
            timeout=timeout, verify=verify, app_name='scs-metering')
        self._retries = {'connect_retries': connect_retries,
                         'status_code_retries': status_code_retries,
                         'retriable_status_codes': RETRIABLE}

    def close(self):
        if self._own_session:
            self.session.session.close()

    def request(self, method, resource, params, log=True):
        """One admin request; the answer's JSON, or None if it has none."""
        url = '%s/%s?%s' % (self.base, resource,
                            _query([('format', 'json')] + list(params)))
        what = '%s /%s' % (method, resource)
        try:
            response = self.session.request(
                url, method, authenticated=False, requests_auth=self._auth,
                raise_exc=False, log=log, **self._retries)
        except ks_exc.ConnectionError as exc:
            raise Unreachable('rgw %s: no answer from %s: %s' % (
                what, self.base, exc))
        if response.status_code >= 400:
            raise _error(what, response, CAPS.get((method, resource)))
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise BadAnswer('rgw %s: the answer (HTTP %d) is not JSON: %r'
                            % (what, response.status_code,
                               response.content[:200]))

    # --- usage log ---------------------------------------------------

    def usage(self, start=None, end=None, uid=None, show_entries=True,
              show_summary=False):
        """The usage log between two times, as RGW answers it.

        ``end`` is exclusive. RGW keeps one entry per user, bucket and
        hour and compares the entry's hour with the range, so a range
        that does not start on an hour misses that hour's entry.
        """
        params = [('show-entries', _flag(show_entries)),
                  ('show-summary', _flag(show_summary))]
        if uid is not None:
            params.append(('uid', uid))
        if start is not None:
            params.append(('start', _rgw_time(start)))
        if end is not None:
            params.append(('end', _rgw_time(end)))
        body = self.request('GET', 'usage', params)
        if not isinstance(body, dict) or not isinstance(
                body.get('entries', []), list):
            raise BadAnswer('rgw GET /usage: no "entries" list in %r'
                            % (str(body)[:200],))
        return body

    def usage_entries(self, start, end, uid=None):
        """Yield UsageEntry (or Rejected) for the hours in [start, end).

        Asks one hour at a time, so that no answer holds more than an
        hour of the log. ``start`` is taken back to its hour, ``end``
        forward to the end of its hour.
        """
        hour = _hour_floor(start)
        while hour < end:
            body = self.usage(hour, hour + HOUR, uid=uid)
            yield from parse_usage(body)
            hour += HOUR

    def trim_usage(self, start=None, end=None, uid=None):
        """Remove usage log entries (the user needs the cap usage=write).

        Without ``uid`` it removes every user's entries in the range:
        the log may be shared with other readers, so only call it when
        the operator has said so.
        """
        params = []
        if uid is None:
            params.append(('remove-all', 'true'))
        else:
            params.append(('uid', uid))
        if start is not None:
            params.append(('start', _rgw_time(start)))
        if end is not None:
            params.append(('end', _rgw_time(end)))
        self.request('DELETE', 'usage', params)

    # --- users and buckets -------------------------------------------

    def user_ids(self, page_size=1000):
        """Yield every RGW user id, a page of ``page_size`` at a time."""
        marker = None
        seen = set()
        while True:
            params = [('list', None), ('max-entries', page_size)]
            if marker:
                params.append(('marker', marker))
            body = self.request('GET', 'user', params)
            keys = body.get('keys') if isinstance(body, dict) else None
            if not isinstance(keys, list):
                raise BadAnswer('rgw GET /user?list: no "keys" list')
            yield from keys
            if not body.get('truncated'):
                return
            marker = body.get('marker')
            if not marker or marker in seen:
                raise BadAnswer('rgw GET /user?list: truncated, but the '
                                'next marker is %r' % (marker,))
            seen.add(marker)

    def user(self, uid, stats=True, sync=False):
        """A user's info (and stats), without its keys.

        A user's stats are a sum RGW keeps apart from its buckets' and
        brings up to date only now and then: a bucket's bytes may take
        minutes to show in them. ``sync`` has RGW add them up first
        (it writes that sum, but needs no more than users=read).
        """
        params = [('uid', uid), ('stats', _flag(stats))]
        if sync:
            params.append(('sync', 'true'))
        body = self.request('GET', 'user', params, log=False)
        if not isinstance(body, dict):
            raise BadAnswer('rgw GET /user: the answer is not an object')
        return {k: v for k, v in body.items() if k not in SECRETS}

    def buckets(self, uid=None):
        """Every bucket (or a user's buckets), with its stats."""
        params = [('stats', 'true')]
        if uid is not None:
            params.append(('uid', uid))
        body = self.request('GET', 'bucket', params)
        if not isinstance(body, list):
            raise BadAnswer('rgw GET /bucket?stats: the answer is not a '
                            'list')
        return body

    def buckets_by_user(self, page_size=1000):
        """Yield (user id, its buckets with stats), user by user."""
        for uid in self.user_ids(page_size):
            yield uid, self.buckets(uid)

    def bucket(self, name, tenant=None):
        """One bucket with its stats; a tenant's bucket is tenant/name."""
        if tenant:
            name = '%s/%s' % (tenant, name)
        body = self.request('GET', 'bucket', [('bucket', name),
                                              ('stats', 'true')])
        if not isinstance(body, dict):
            raise BadAnswer('rgw GET /bucket: the answer is not an object')
        return body


def _error(what, response, cap):
    """The named error of a failed admin request."""
    try:
        code = json.loads(response.content).get('Code', '')
    except (ValueError, AttributeError):
        code = ''
    text = 'rgw %s: HTTP %d %s' % (what, response.status_code,
                                   code or response.reason or '')
    if code in ('InvalidAccessKeyId', 'SignatureDoesNotMatch',
                'RequestTimeTooSkewed') or response.status_code == 401:
        return AuthenticationFailed(
            text + ' (check the access and secret key of the admin user, '
            'and the clocks)')
    if response.status_code == 403:
        return PermissionDenied(
            text + ' (the admin user needs the cap %s)' % (cap or 'for it'))
    if response.status_code == 404:
        return NotFound(text)
    if response.status_code >= 500:
        return Unreachable(text)
    return RGWError(text)


def _integer(value):
    """A figure as RGW writes it: a non-negative integer, never a bool."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('%r is not a non-negative integer' % (value,))
    return value


def parse_usage(body):
    """Yield a UsageEntry per category of each entry in a usage answer.

    A malformed entry becomes one Rejected with its reason; the other
    entries of the answer are read all the same.
    """
    for user_part in body.get('entries') or ():
        user = user_part.get('user') if isinstance(user_part, dict) else None
        buckets = user_part.get('buckets') if user else None
        if not isinstance(user, str) or not isinstance(buckets, list):
            yield Rejected('an entry without a user or its buckets',
                           str(user_part)[:200])
            continue
        for bucket_part in buckets:
            yield from _bucket_entries(user, bucket_part)


def _bucket_entries(user, part):
    where = '%s/%s' % (user, part.get('bucket') if isinstance(
        part, dict) else '?')
    try:
        bucket, owner = part['bucket'], part['owner']
        epoch = _integer(part['epoch'])
        categories = part['categories']
        if not isinstance(bucket, str) or not isinstance(owner, str):
            raise ValueError('bucket and owner must be strings')
        if not isinstance(categories, list):
            raise ValueError('categories is not a list')
        if epoch % 3600:
            raise ValueError('epoch %d is not on an hour' % epoch)
    except (KeyError, TypeError, ValueError) as exc:
        yield Rejected('malformed usage entry: %s' % (exc,), where)
        return
    when = timeutils.from_epoch(epoch)
    for category in categories:
        try:
            name = category['category']
            if not isinstance(name, str) or not name:
                raise ValueError('category %r' % (name,))
            figures = [_integer(category[f]) for f in FIGURES]
        except (KeyError, TypeError, ValueError) as exc:
            yield Rejected('malformed usage category: %s' % (exc,),
                           '%s@%d' % (where, epoch))
            continue
        yield UsageEntry(user, owner, bucket, epoch, when, name, *figures)
