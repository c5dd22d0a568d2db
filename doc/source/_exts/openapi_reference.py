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
"""The ``openapi-reference`` directive: an API reference from OpenAPI.

The reference pages are rendered from doc/source/api/openapi.yaml at
build time, so they cannot drift from the document, which unit tests
keep equal to what the application enforces.
"""

import json
import os

from docutils.parsers.rst import Directive
from docutils import statemachine
from sphinx.util import nodes
import yaml


def _type(schema):
    if '$ref' in schema:
        name = schema['$ref'].rsplit('/', 1)[1]
        return ':ref:`%s <schema-%s>`' % (name, name.lower())
    if schema.get('type') == 'array':
        return 'array of %s' % _type(schema.get('items', {}))
    kind = schema.get('type', 'object')
    return ' or '.join(kind) if isinstance(kind, list) else kind


def _operation(lines, path, method, operation, shared):
    title = '%s %s' % (method.upper(), path)
    lines += [title, '-' * len(title), '', operation.get('summary', '') +
              '.', '']
    lines += operation.get('description', '').splitlines() + ['']
    if operation.get('security') == []:
        lines += ['No token needed.', '']
    parameters = shared + operation.get('parameters', [])
    if parameters:
        lines += ['.. list-table:: Parameters', '   :header-rows: 1', '',
                  '   * - Name', '     - In', '     - Type', '     - Meaning']
        for p in parameters:
            required = ' (required)' if p.get('required') else ''
            lines += ['   * - ``%s``%s' % (p['name'], required),
                      '     - %s' % p['in'],
                      '     - %s' % _type(p['schema']),
                      '     - %s' % p.get('description', '')]
        lines.append('')
    body = operation.get('requestBody')
    if body:
        types = sorted(body['content'])
        lines += ['Body (%s): %s.' % (', '.join(types), _type(
            body['content'][types[0]]['schema'])), '']
    lines += ['Responses:', '']
    for code, response in sorted(operation['responses'].items()):
        if '$ref' in response:
            lines.append('- ``%s``: an error.' % code)
            continue
        content = response.get('content', {})
        schema = content.get('application/json', {}).get('schema')
        lines.append('- ``%s``: %s%s' % (code, response['description'], (
            ' (%s)' % _type(schema)) if schema else ''))
    lines.append('')


class OpenAPIReference(Directive):
    required_arguments = 1

    def run(self):
        source = self.state.document.settings.env.relfn2path(
            self.arguments[0])[1]
        self.state.document.settings.env.note_dependency(source)
        with open(source) as f:
            document = yaml.safe_load(f)
        lines = []
        for path, item in document['paths'].items():
            shared = item.get('parameters', [])
            for method, operation in item.items():
                if method != 'parameters':
                    _operation(lines, path, method, operation, shared)
        lines += ['Schemas', '-------', '']
        for name, schema in document['components']['schemas'].items():
            lines += ['.. _schema-%s:' % name.lower(), '', name,
                      '~' * len(name), '', '.. code-block:: json', '']
            lines += ['   ' + line for line in json.dumps(
                schema, indent=2).splitlines()]
            lines.append('')
        content = statemachine.StringList(lines, source=os.path.basename(
            source))
        node = nodes.nodes.section()
        node.document = self.state.document
        nodes.nested_parse_with_titles(self.state, content, node)
        return node.children


def setup(app):
    app.add_directive('openapi-reference', OpenAPIReference)
    return {'parallel_read_safe': True}
