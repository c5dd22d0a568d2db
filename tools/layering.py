#!/usr/bin/env python3
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
"""The layering of scs_metering, drawn from the code's own imports.

    tools/layering.py          rewrite the picture and the import table
    tools/layering.py --check  exit 1 if they are not current

Every import statement of every module (tests excepted) counts, at module
level or in a function, as import-linter counts them. A top-level package
(or module, such as events.py) is drawn in the row above everything it
imports; an arrow is drawn only where no longer path says the same, so
the picture stays readable. The table lists every import. Both are in
doc/source/contributor/ and a unit test checks that they are current;
the rules they must follow are the import-linter contracts of setup.cfg.
"""

import ast
import html
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = 'scs_metering'
EXCLUDED = ('tests',)
DOC = os.path.join(ROOT, 'doc', 'source', 'contributor')
PICTURE = os.path.join(DOC, 'layers.svg')
TABLE = os.path.join(DOC, 'imports.txt')


def _modules():
    """(top-level name, path, dotted module name) of every module."""
    base = os.path.join(ROOT, PACKAGE)
    for directory, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__' and not (
            directory == base and d in EXCLUDED))
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = os.path.join(directory, name)
            parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
            if parts[-1] == '__init__':
                parts = parts[:-1]
            if len(parts) > 1:
                yield parts[1], path, parts


def _imported(tree, parts, is_package):
    """Dotted names a module's import statements name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                module = '.'.join(anchor + ([node.module] if node.module
                                            else []))
            else:
                module = node.module
            for alias in node.names:
                yield '%s.%s' % (module, alias.name)


def graph():
    """{top-level package: set of the top-level packages it imports}."""
    edges = {}
    for top, path, parts in _modules():
        edges.setdefault(top, set())
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for name in _imported(tree, parts, path.endswith('__init__.py')):
            names = name.split('.')
            if names[0] == PACKAGE and len(names) > 1 and (
                    names[1] != top and names[1] not in EXCLUDED):
                edges[top].add(names[1])
    for imported in set().union(*edges.values()):
        edges.setdefault(imported, set())
    return edges


def cycles(edges):
    """Pairs of packages that import each other, directly or not."""
    reach = {name: _reachable(edges, name) for name in edges}
    return sorted((a, b) for a in edges for b in reach[a]
                  if a < b and a in reach[b])


def _reachable(edges, start):
    seen, todo = set(), list(edges[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges[name])
    return seen


def ranks(edges):
    """Row of each package: one above the highest package it imports."""
    found = {}

    def rank(name, path=()):
        if name not in found:
            if name in path:
                raise ValueError('import cycle: %s' % ' -> '.join(
                    path + (name,)))
            found[name] = 1 + max((rank(d, path + (name,))
                                   for d in edges[name]), default=-1)
        return found[name]
    for name in sorted(edges):
        rank(name)
    return found


def reduced(edges):
    """The edges no longer path implies (the transitive reduction)."""
    kept = {}
    for name, targets in edges.items():
        implied = set()
        for target in targets:
            implied |= _reachable(edges, target)
        kept[name] = targets - implied
    return kept


def table(edges):
    width = max(map(len, edges))
    lines = ['%-*s  imports' % (width, 'package')]
    for name in sorted(edges):
        imported = ', '.join(sorted(edges[name])) or '-'
        lines.append('%-*s  %s' % (width, name, imported))
    return '\n'.join(lines) + '\n'


# Drawing: one row per rank, highest on top, boxes in name order.
CHAR, PAD, GAP, HEIGHT, ROW, MARGIN = 7, 10, 16, 26, 78, 12


def picture(edges):
    row_of = ranks(edges)
    rows = {}
    for name in sorted(edges):
        rows.setdefault(row_of[name], []).append(name)
    top = max(rows)
    boxes = {}
    widths = {r: sum(len(n) * CHAR + 2 * PAD for n in names) +
              GAP * (len(names) - 1) for r, names in rows.items()}
    full = max(widths.values()) + 2 * MARGIN
    for r, names in rows.items():
        x = (full - widths[r]) // 2
        y = MARGIN + (top - r) * ROW
        for name in names:
            width = len(name) * CHAR + 2 * PAD
            boxes[name] = (x, y, width)
            x += width + GAP
    height = MARGIN * 2 + top * ROW + HEIGHT
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" '
           'height="%d" font-family="monospace" font-size="12">' % (
               full, height),
           '<defs><marker id="arrow" markerWidth="8" markerHeight="8" '
           'refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" '
           'fill="#555"/></marker></defs>']
    for name, targets in sorted(reduced(edges).items()):
        x, y, width = boxes[name]
        for target in sorted(targets):
            tx, ty, twidth = boxes[target]
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" '
                       'marker-end="url(#arrow)"/>' % (
                           x + width // 2, y + HEIGHT, tx + twidth // 2, ty))
    for name, (x, y, width) in sorted(boxes.items()):
        out.append('<rect x="%d" y="%d" width="%d" height="%d" rx="4" '
                   'fill="#eef3fa" stroke="#36c"/>' % (x, y, width, HEIGHT))
        out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (
            x + width // 2, y + 17, html.escape(name)))
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def outputs():
    edges = graph()
    return {PICTURE: picture(edges), TABLE: table(edges)}


def main(argv):
    stale = []
    for path, text in outputs().items():
        current = None
        if os.path.exists(path):
            with open(path) as f:
                current = f.read()
        if current == text:
            continue
        if argv[:1] == ['--check']:
            stale.append(os.path.relpath(path, ROOT))
        else:
            with open(path, 'w') as f:
                f.write(text)
    if stale:
        sys.exit('not current, run tools/layering.py: %s' % ', '.join(stale))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
