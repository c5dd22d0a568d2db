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
"""Reading, merging and validating definition files."""

import collections
import glob
import os

import jsonschema
from oslo_log import log
import yaml

from scs_metering.definitions import model
from scs_metering.definitions import schema

LOG = log.getLogger(__name__)
DATA_DIR = os.path.join(os.path.dirname(__file__), 'data')
SECTIONS = ('resource_types', 'meters', 'events')


class DefinitionError(Exception):
    """A definitions file is unusable. The message names file and field."""


def shipped_files():
    return sorted(glob.glob(os.path.join(DATA_DIR, '*.yaml')))


def _where(path, error_path):
    return '%s: %s' % (os.path.basename(path) if path.startswith(DATA_DIR)
                       else path,
                       '.'.join(str(p) for p in error_path) or '(top)')


def read(path):
    try:
        with open(path) as f:
            document = yaml.safe_load(f) or {}
    except OSError as exc:
        raise DefinitionError('%s: cannot read: %s' % (path, exc.strerror))
    except yaml.YAMLError as exc:
        raise DefinitionError('%s: not valid YAML: %s' % (path, exc))
    validator = jsonschema.Draft7Validator(schema.FILE)
    errors = sorted(validator.iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        # oneOf failures are vague; the deepest sub-error says more.
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        raise DefinitionError('%s: %s' % (_where(path, error.absolute_path),
                                          error.message))
    return document


def merge(documents):
    """Later files replace entries by name, null removes, ignores add up."""
    merged = {section: {} for section in SECTIONS}
    merged['ignore'] = []
    for path, document in documents:
        for section in SECTIONS:
            for name, spec in document.get(section, {}).items():
                if spec is None:
                    merged[section].pop(name, None)
                else:
                    merged[section][name] = (path, spec)
        merged['ignore'].extend((path, spec)
                                for spec in document.get('ignore', []))
    return merged


def _source_problem(meter, meters):
    """Why a meter cannot take the samples it names, if it cannot."""
    if meter.samples_of == meter.name:
        return None
    source = meters.get(meter.samples_of)
    if source is None:
        return 'unknown meter %r' % meter.samples_of
    if source.samples_of != source.name:
        return 'meter %r takes its samples elsewhere' % source.name
    if (source.kind, source.resource_type) != (meter.kind,
                                               meter.resource_type):
        return 'meter %r is not a %s meter of %s' % (
            source.name, meter.kind, meter.resource_type)
    return None


def _sampled_problem(meter, resource_type):
    """Why an event definition cannot sample a meter, if it cannot."""
    if meter is None:
        return 'is unknown'
    if not meter.sampled:
        return 'is a lifecycle meter, it takes no samples'
    if meter.resource_type != resource_type:
        return 'meters %s, not %s' % (meter.resource_type, resource_type)
    if meter.samples_of != meter.name:
        return 'takes the samples of %r' % meter.samples_of
    return None


def _compile(merged):
    def build(section, name, factory):
        path, spec = merged[section][name]
        try:
            return factory(spec)
        except (ValueError, KeyError) as exc:
            raise DefinitionError('%s: %s' % (_where(path, [section, name]),
                                              exc))

    resource_types = {name: build('resource_types', name,
                                  lambda s, n=name: model.ResourceType(n, s))
                      for name in merged['resource_types']}

    def known_type(section, name):
        path, spec = merged[section][name]
        if spec['resource_type'] not in resource_types:
            raise DefinitionError('%s: unknown resource type %r' % (
                _where(path, [section, name, 'resource_type']),
                spec['resource_type']))
        return resource_types[spec['resource_type']]

    meters = {}
    for name in merged['meters']:
        known_type('meters', name)
        meters[name] = build('meters', name,
                             lambda s, n=name: model.Meter(n, s))
    for name, meter in meters.items():
        problem = _source_problem(meter, meters)
        if problem:
            raise DefinitionError('%s: %s' % (
                _where(merged['meters'][name][0],
                       ['meters', name, 'samples_of']), problem))
    definitions = {}
    for name in merged['events']:
        rtype = known_type('events', name)
        definitions[name] = build(
            'events', name,
            lambda s, n=name, t=rtype: model.EventDefinition(n, s, t))
        for meter_name, _field in definitions[name].samples:
            problem = _sampled_problem(meters.get(meter_name), rtype.name)
            if problem:
                path, _spec = merged['events'][name]
                raise DefinitionError('%s: meter %r %s' % (
                    _where(path, ['events', name, 'samples']),
                    meter_name, problem))
    _check_attributes(merged, meters, definitions)
    ignores = []
    for index, (path, spec) in enumerate(merged['ignore']):
        try:
            ignores.append(model.IgnoreRule(spec))
        except ValueError as exc:
            raise DefinitionError('%s: %s' % (_where(path, ['ignore']), exc))
    return model.Definitions(resource_types, meters, definitions, ignores)


def _check_attributes(merged, meters, definitions):
    """A meter reads only attributes its resource's events extract.

    A misspelt attribute would meter nothing, silently. Resource types
    without event definitions are fed by other means and not checked.
    """
    known = collections.defaultdict(set)
    for definition in definitions.values():
        known[definition.resource_type].update(
            f.name for f in definition.attributes)
    for name, meter in meters.items():
        if meter.resource_type not in known:
            continue
        for field, attribute in meter.attributes:
            if attribute not in known[meter.resource_type]:
                raise DefinitionError(
                    '%s: no event definition of %s extracts attribute %r' % (
                        _where(merged['meters'][name][0],
                               ['meters', name, field]),
                        meter.resource_type, attribute))


def load_files(paths):
    return _compile(merge((path, read(path)) for path in paths))


def load(conf):
    """The definitions this deployment runs with."""
    paths = shipped_files() if conf.meters.load_defaults else []
    return load_files(paths + list(conf.meters.definition_files))


def reload(conf, current):
    """The definitions the files give now, or ``current`` if they are bad.

    A SIGHUP after a broken edit must not stop metering.
    """
    try:
        return load(conf)
    except DefinitionError as exc:
        LOG.error('Definitions not reloaded, keeping the running ones: %s',
                  exc)
        return current
