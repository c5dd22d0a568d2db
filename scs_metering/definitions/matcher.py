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
"""Event type patterns and the index that keeps matching O(1)."""

import fnmatch
import re


def compile_pattern(pattern, name='pattern'):
    """A glob, or a regular expression when prefixed with ``re:``."""
    if pattern.startswith('re:'):
        try:
            return re.compile(pattern[3:])
        except re.error as exc:
            raise ValueError('%s: bad regular expression %r: %s' % (
                name, pattern, exc))
    return re.compile(fnmatch.translate(pattern))


class Patterns:
    def __init__(self, patterns, name='event_types'):
        self.source = tuple(patterns)
        self.exact = frozenset(p for p in patterns
                               if not p.startswith('re:') and
                               not any(c in p for c in '*?['))
        self.regexes = [compile_pattern(p, name) for p in patterns
                        if p not in self.exact]

    def match(self, event_type):
        return event_type in self.exact or any(
            r.fullmatch(event_type) for r in self.regexes)


class EventTypeIndex:
    """Maps (service, event type) to the first rule that claims it.

    Rules are tried in order once per distinct event type; the answer is
    cached, so a large definition set costs nothing per notification. The
    number of distinct event types a cloud emits is small (hundreds), so the
    cache is bounded in practice; it is capped anyway.
    """

    MAX_CACHED = 10000

    def __init__(self, rules):
        # rules: iterable of (service, Patterns, excluded Patterns, value)
        self._rules = list(rules)
        self._cache = {}

    def lookup(self, service, event_type):
        key = (service, event_type)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = None
        for rule_service, patterns, excluded, value in self._rules:
            if (rule_service == service and patterns.match(event_type) and
                    not (excluded and excluded.match(event_type))):
                found = value
                break
        if len(self._cache) < self.MAX_CACHED:
            self._cache[key] = found
        return found
