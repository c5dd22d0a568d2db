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
"""Stacked bar charts of usage over time, drawn as SVG on the server.

No script and nothing from a CDN: the page carries the drawing, each
segment titled with the API's exact quantity, and it scales to the width
of the screen. Sums and heights are computed on exact decimals; only the
numbers shown are rounded, by the rule of units.py.
"""

import decimal

from scs_metering_dashboard import meters
from scs_metering_dashboard import units

WIDTH = 800
HEIGHT = 220
LEFT = 70
BOTTOM = 24
TOP = 8
PLOT = WIDTH - LEFT - 8
MAX_LABELS = 12
PIXEL = decimal.Decimal('0.01')
# Colours told apart by most readers, colour blind ones included.
PALETTE = ('#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2',
           '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac')


def _px(value):
    return units.text(decimal.Decimal(value).quantize(PIXEL))


def _bucket_label(start, hourly):
    return start.strftime('%H:%M' if hourly else '%m-%d')


def charts(series, hourly):
    """One chart per meter of a series of (bucket start, usage report).

    Returns dicts for the template: the meter, its readable unit, the
    legend and the bars, each bar a list of segments with geometry.
    """
    found = {}
    for index, (_start, report) in enumerate(series):
        for entry in report['usage']:
            meter = found.setdefault(entry['meter'], {
                'unit': entry['unit'], 'groups': {}})
            label = meters.group_label(entry['meter'], entry['group'])
            meter['groups'].setdefault(label, {})[index] = entry['quantity']
    return [_chart(name, found[name], series, hourly)
            for name in sorted(found)]


def _chart(name, meter, series, hourly):
    unit = meter['unit']
    labels = sorted(meter['groups'])
    colours = {label: PALETTE[i % len(PALETTE)]
               for i, label in enumerate(labels)}
    totals = [sum((units.exact(meter['groups'][label].get(i, 0))
                   for label in labels), decimal.Decimal(0))
              for i in range(len(series))]
    peak = max(totals)
    top = peak or decimal.Decimal(1)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = decimal.Decimal(PLOT) / len(series)
    every = -(-len(series) // MAX_LABELS)
    bars = []
    for i, (start, _report) in enumerate(series):
        x = LEFT + slot * i + slot / 10
        y = decimal.Decimal(HEIGHT - BOTTOM)
        segments = []
        for label in labels:
            quantity = meter['groups'][label].get(i)
            if quantity is None or units.exact(quantity) == 0:
                continue
            height = units.exact(quantity) / top * plot_height
            y -= height
            segments.append({
                'x': _px(x), 'y': _px(y), 'width': _px(slot * 8 / 10),
                'height': _px(height), 'colour': colours[label],
                'title': '%s %s: %s %s (%s %s)' % (
                    _bucket_label(start, hourly), label,
                    units.text(units.to_readable(quantity, unit)),
                    units.readable_unit(unit), quantity, unit)})
        bars.append({'segments': segments,
                     'label': (_bucket_label(start, hourly)
                               if i % every == 0 else ''),
                     'label_x': _px(x + slot * 4 / 10)})
    return {
        'meter': name, 'unit': units.readable_unit(unit),
        'top': units.text(units.to_readable(peak, unit)),
        'legend': [{'label': label, 'colour': colours[label]}
                   for label in labels],
        'bars': bars, 'width': WIDTH, 'height': HEIGHT, 'left': LEFT,
        'base_y': HEIGHT - BOTTOM, 'top_y': TOP,
        'label_y': HEIGHT - 6, 'right': WIDTH - 8,
    }
