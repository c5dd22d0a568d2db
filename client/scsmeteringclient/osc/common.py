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
"""What the metering commands share: help layout, argument types, lookups."""

import argparse
import json
import sys
import textwrap

from cliff import columns
from openstack import exceptions as sdk_exc
from osc_lib import exceptions
from osc_lib import utils
from oslo_utils import timeutils

from scsmeteringclient.v1 import base as client_base

# The value of a secret to be asked for on the terminal.
PROMPT = object()


class _Paragraphs:
    """Help layout for descriptions and epilogs written in reStructuredText.

    The same text makes the CLI reference (cliff.sphinxext): paragraphs
    are filled to the terminal's width, indented blocks (the examples)
    are kept as written, and a paragraph ending in "::", which opens a
    literal block, ends in ":".
    """

    def _fill_text(self, text, width, indent):
        blocks = []
        for block in text.strip('\n').split('\n\n'):
            if block.startswith(' '):
                blocks.append(textwrap.indent(block, indent))
                continue
            if block.endswith('::'):
                block = block[:-1]
            blocks.append(textwrap.fill(
                ' '.join(block.split()), width, initial_indent=indent,
                subsequent_indent=indent))
        return '\n\n'.join(blocks)


class Command:
    """Mixed into each metering command, before its cliff base class."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.formatter_class = type(
            'HelpFormatter', (_Paragraphs, parser.formatter_class), {})
        return parser

    @property
    def client(self):
        return self.app.client_manager.metering


def values(item, keys, formatters=None):
    """The values of ``keys`` in an API answer, formatted for cliff."""
    formatters = formatters or {}
    return tuple(formatters[key](item.get(key)) if key in formatters
                 else item.get(key) for key in keys)


def rows(items, table, formatters=None):
    """(headers, rows) of a Lister: ``table`` pairs headers and keys."""
    keys = [key for _header, key in table]
    return (tuple(header for header, _key in table),
            [values(item, keys, formatters) for item in items])


class SecretsColumn(columns.FormattableColumn):
    """Secret names with the API's mask; the values never come back."""

    def human_readable(self):
        if not isinstance(self._value, dict):
            return str(self._value or '')
        return ', '.join('%s=%s' % item for item in sorted(
            self._value.items()))

    def machine_readable(self):
        return self._value


# Argument types: a bad value is a usage error naming the option.

def iso_time(text):
    """A time as the API takes it; without an offset it is UTC."""
    try:
        return client_base.time(timeutils.parse_isotime(text.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(
            'not an ISO 8601 time: %r (for example 2026-01-31 or '
            '2026-01-31T12:00:00Z)' % text)


def positive_int(text):
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            'not a positive whole number: %r' % text)
    return number


def key_value(text):
    """KEY=VALUE; VALUE is JSON when it parses as JSON, else text."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            'expected <key>=<value>, got %r' % text)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _read_secret(path):
    try:
        if path == '-':
            text = sys.stdin.read()
        else:
            with open(path) as f:
                text = f.read()
    except OSError as exc:
        raise argparse.ArgumentTypeError('cannot read %s: %s' % (
            path, exc.strerror or exc))
    # The newline an editor or "echo" adds is not part of the secret.
    if text.endswith('\n'):
        text = text[:-2] if text.endswith('\r\n') else text[:-1]
    if not text:
        raise argparse.ArgumentTypeError('%s is empty' % path)
    return text


def secret_file(text):
    name, sep, path = text.partition('=')
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(
            'expected <name>=<path>, got %r' % text)
    return name, _read_secret(path)


def hmac_key_file(path):
    return 'hmac_key', _read_secret(path)


def secret_prompt(name):
    return name, PROMPT


class _SecretAction(argparse.Action):
    """Collects (name, value) pairs of the secret options into one dict."""

    def __call__(self, parser, namespace, given, option_string=None):
        name, value = given
        secrets = dict(getattr(namespace, self.dest) or {})
        if name in secrets:
            parser.error('secret %s is given more than once' % name)
        secrets[name] = value
        setattr(namespace, self.dest, secrets)


def add_secret_arguments(parser):
    group = parser.add_argument_group(
        'secrets',
        'HMAC keys, passwords and tokens of the driver. They are read from '
        'a file or from the terminal, never from the command line, and '
        'are never shown again: the API returns their names only.')
    group.add_argument(
        '--secret-file', metavar='<name=path>', type=secret_file,
        action=_SecretAction, dest='secrets',
        help='Read secret <name> from the file <path>, or from standard '
             'input if <path> is "-"; one trailing newline is dropped '
             '(repeat option to set several secrets)')
    group.add_argument(
        '--hmac-key-file', metavar='<path>', type=hmac_key_file,
        action=_SecretAction, dest='secrets',
        help='Read the key that signs each webhook request (secret '
             'hmac_key) from <path>; the same as --secret-file '
             'hmac_key=<path>')
    group.add_argument(
        '--secret-prompt', metavar='<name>', type=secret_prompt,
        action=_SecretAction, dest='secrets',
        help='Ask for secret <name> on the terminal, without echo, twice '
             'to confirm (repeat option to set several secrets)')


def read_secrets(stdin, secrets):
    """The secrets of the parsed options, asking for those to prompt."""
    return {name: (utils.get_password(stdin, 'Secret %s: ' % name)
                   if value is PROMPT else value)
            for name, value in (secrets or {}).items()}


def add_project_arguments(parser, action):
    """--project or --all-projects, and --project-domain.

    ``action`` is what the command does to a project, as in "report on".
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--project', metavar='<project>',
        help='Project to %s (name or ID); default: the project of your '
             'token' % action)
    group.add_argument(
        '--all-projects', action='store_true',
        help='%s every project (admin only)' % action.capitalize())
    parser.add_argument(
        '--project-domain', metavar='<project-domain>',
        help='Domain the project belongs to (name or ID), when project '
             'names collide')


def parsed_project_id(client_manager, parsed_args):
    """The project of add_project_arguments' options, None if not given."""
    if not parsed_args.project:
        return None
    return find_project_id(client_manager, parsed_args.project,
                           parsed_args.project_domain)


def find_project_id(client_manager, name_or_id, domain=None):
    """The ID of a project given by name or ID.

    The token's own project needs no look-up. A caller who may not look
    projects up, such as a project reader, gets the value as given, and
    the metering API decides.
    """
    auth = client_manager.auth_ref
    if domain is None and name_or_id in (auth.project_id,
                                         auth.project_name):
        return auth.project_id
    identity = client_manager.sdk_connection.identity
    try:
        query = {}
        if domain:
            query['domain_id'] = identity.find_domain(
                domain, ignore_missing=False).id
        project = identity.find_project(name_or_id, **query)
    except sdk_exc.ForbiddenException:
        return name_or_id
    except sdk_exc.DuplicateResource:
        raise exceptions.CommandError(
            'More than one project is named %s: give its ID, or its '
            'domain with --project-domain.' % name_or_id)
    except sdk_exc.ResourceNotFound:
        raise exceptions.CommandError(
            'No domain with a name or ID of %r exists.' % domain)
    if project is None:
        raise exceptions.CommandError(
            'No project with a name or ID of %r exists.' % name_or_id)
    return project.id
