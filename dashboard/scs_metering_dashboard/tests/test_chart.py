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
"""The server-side SVG chart: stacking, scale and titles."""

import datetime
import decimal
import unittest

from scs_metering_dashboard import chart

DAY = datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc)


def _entry(meter, unit, quantity, **group):
    return {'meter': meter, 'unit': unit, 'quantity': quantity,
            'group': group}


def _series(*reports):
    return [(DAY + datetime.timedelta(days=i), {'usage': usage})
            for i, usage in enumerate(reports)]


class ChartTest(unittest.TestCase):

    def test_stacks_groups_and_scales_to_the_tallest_bar(self):
        series = _series(
            [_entry('instance', 's', '3600', flavor_name='a', state='active'),
             _entry('instance', 's', '7200', flavor_name='b', state='active')],
            [_entry('instance', 's', '1800', flavor_name='a', state='active')])
        [drawn] = chart.charts(series, hourly=False)
        self.assertEqual('instance', drawn['meter'])
        self.assertEqual('hours', drawn['unit'])
        # The tallest bar, 3600 + 7200 s, is 3 hours and fills the plot.
        self.assertEqual('3.0000', drawn['top'])
        first, second = drawn['bars']
        plot = chart.HEIGHT - chart.TOP - chart.BOTTOM
        self.assertEqual(plot, sum(decimal.Decimal(s['height'])
                                   for s in first['segments']))
        # 1800 s is a sixth of the tallest bar.
        self.assertEqual((decimal.Decimal(plot) / 6).quantize(
            decimal.Decimal('0.01')), decimal.Decimal(
                second['segments'][0]['height']))
        self.assertEqual('11-02 a, active: 1.0000 hours (3600 s)',
                         first['segments'][0]['title'])
        self.assertEqual(['a, active', 'b, active'],
                         [item['label'] for item in drawn['legend']])

    def test_one_chart_per_meter(self):
        series = _series([_entry('volume.size', 'GiB*s', '36000',
                                 volume_type='ssd'),
                          _entry('instance', 's', '60', flavor_name='a',
                                 state='active')])
        drawn = chart.charts(series, hourly=True)
        self.assertEqual(['instance', 'volume.size'],
                         [c['meter'] for c in drawn])
        self.assertEqual('GiB·hours', drawn[1]['unit'])
        self.assertTrue(drawn[1]['bars'][0]['segments'][0]['title']
                        .startswith('00:00 ssd: 10.0000 GiB·hours'))

    def test_zero_usage_draws_nothing(self):
        [drawn] = chart.charts(_series([_entry('instance', 's', '0',
                                               flavor_name='a',
                                               state='active')]), False)
        self.assertEqual('0.0000', drawn['top'])
        self.assertEqual([], drawn['bars'][0]['segments'])

    def test_labels_are_thinned(self):
        series = _series(*[[] for _ in range(30)])
        series[0][1]['usage'].append(_entry('instance', 's', '1',
                                            flavor_name='a', state='x'))
        [drawn] = chart.charts(series, False)
        labels = [bar['label'] for bar in drawn['bars'] if bar['label']]
        self.assertLessEqual(len(labels), chart.MAX_LABELS)
        self.assertEqual('11-02', labels[0])
