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
"""Project > Metering > Usage, for a member, a reader, and no data."""

import csv
import datetime
import io
from unittest import mock

from django.test import utils as test_utils
import requests

from scs_metering_dashboard.dashboards.project.metering_usage import views
from scs_metering_dashboard import meters
from scs_metering_dashboard.tests import base

INDEX = '/project/metering_usage/'
CSV = '/project/metering_usage/csv/'
NOVEMBER = '?start=2026-11-01&end=2026-12-01&step=day'
NOVEMBER_2 = '?start=2026-11-02&end=2026-11-03&step=hour'


class UsageTestMixin:

    def report(self, start='2026-11-01T00:00:00Z',
               end='2026-12-01T00:00:00Z'):
        return self.answer('GET', '/v1/usage', start=start, end=end)

    def test_table_shows_the_api_numbers(self):
        response = self.client.get(INDEX + NOVEMBER)
        self.assertEqual(200, response.status_code)
        rows = base.table_rows(response, 'usage')
        report = self.report()
        self.assertEqual(len(report['usage']), len(rows))
        for index, entry in enumerate(report['usage']):
            meter, group, readable, unit, exact, api_unit = rows[
                str(index)][:6]
            self.assertEqual(entry['meter'], meter)
            self.assertEqual(meters.group_label(entry['meter'],
                                                entry['group']), group)
            # The exact column is the API's string, untouched.
            self.assertEqual(entry['quantity'], exact)
            self.assertEqual(entry['unit'], api_unit)

    def test_readable_units(self):
        # Hand-checked against the recorded answers: 65688 s of m1.small
        # is 18.2466... hours; 234000 GiB*s of the volume, 65 GiB-hours.
        rows = base.table_rows(self.client.get(INDEX + NOVEMBER), 'usage')
        by_exact = {row[4]: row for row in rows.values()}
        self.assertEqual(['18.2467', 'hours'], by_exact['65688'][2:4])
        self.assertEqual(['m1.small, active'], by_exact['65688'][1:2])
        self.assertEqual(['65.0000', 'GiB·hours'], by_exact['234000'][2:4])

    def test_chart_per_meter(self):
        response = self.client.get(INDEX + NOVEMBER)
        content = response.content.decode()
        self.assertIn('data-meter="instance"', content)
        self.assertIn('data-meter="volume.size"', content)
        # Each segment is titled with the API's exact bucket quantity.
        day = self.answer('GET', '/v1/usage', start='2026-11-02T00:00:00Z',
                          end='2026-11-03T00:00:00Z')
        for entry in day['usage']:
            self.assertIn('(%s %s)</title>' % (entry['quantity'],
                                               entry['unit']), content)

    def test_hourly_chart(self):
        response = self.client.get(INDEX + NOVEMBER_2)
        self.assertEqual(200, response.status_code)
        hour = self.answer('GET', '/v1/usage', start='2026-11-02T09:00:00Z',
                           end='2026-11-02T10:00:00Z')
        self.assertTrue(hour['usage'])
        content = response.content.decode()
        for entry in hour['usage']:
            self.assertIn('09:00 %s: ' % meters.group_label(
                entry['meter'], entry['group']), content)
        # 24 buckets, one request each, plus the report and the periods.
        asked = [s for s in self.api.sent if s[1] == '/v1/usage']
        self.assertEqual(1 + 24 + 1, len(asked))

    def test_provenance_and_periods(self):
        response = self.client.get(INDEX + NOVEMBER)
        rows = base.table_rows(response, 'periods')
        resources = self.answer('GET', '/v1/resources',
                                start='2026-11-01T00:00:00Z',
                                limit='21')['resources']
        periods = [p for r in resources for p in r['periods']]
        self.assertEqual(len(periods), len(rows))
        shown = sorted((row[1], row[4], row[7]) for row in rows.values())
        self.assertEqual(sorted((p['started_at'], p['provenance'],
                                 str(p['uncertainty_seconds']))
                                for p in periods), shown)

    @test_utils.override_settings(API_RESULT_PAGE_SIZE=2)
    def test_periods_paginate(self):
        response = self.client.get(INDEX + NOVEMBER)
        first = self.answer('GET', '/v1/resources',
                            start='2026-11-01T00:00:00Z',
                            limit='3')['resources']
        self.assertEqual(3, len(first))
        marker = '%s%%3A%s' % (first[1]['resource_type'],
                               first[1]['resource_id'])
        link = 'start=2026-11-01&amp;end=2026-12-01&amp;step=day&amp;' \
               'marker=%s' % marker
        self.assertContains(response, link)
        response = self.client.get(INDEX + NOVEMBER + '&marker=' + marker)
        self.assertEqual(200, response.status_code)
        shown = {row[0] for row in base.table_rows(
            response, 'periods').values()}
        self.assertIn('%s %s' % (first[2]['resource_type'],
                                 first[2]['resource_id']), shown)

    def test_csv(self):
        response = self.client.get(CSV + NOVEMBER)
        self.assertEqual('text/csv', response['Content-Type'])
        self.assertIn('usage-2026-11-01-2026-12-01.csv',
                      response['Content-Disposition'])
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        report = self.report()
        self.assertEqual([(e['meter'], e['quantity'], e['unit'],
                           str(e['provenance']['reconciliation']))
                          for e in report['usage']],
                         [(r['meter'], r['quantity'], r['unit'],
                           r['reconciliation_seconds']) for r in rows])

    def test_default_period_is_this_month(self):
        with mock.patch.object(views, 'today',
                               return_value=datetime.date(2026, 11, 17)):
            response = self.client.get(INDEX)
        self.assertContains(response, 'value="2026-11-01"')
        self.assertEqual(len(self.report()['usage']),
                         len(base.table_rows(response, 'usage')))


class MemberUsageTest(UsageTestMixin, base.TestCase):
    identity = 'alpha-member'

    def test_period_must_end_after_it_starts(self):
        response = self.client.get(
            INDEX + '?start=2026-11-05&end=2026-11-01&step=day')
        self.assertContains(response, 'The period must end after it starts')
        # Nothing but the panel's probe was asked of the API.
        self.assertEqual([['GET', '/v1/usage',
                           [['end', '1970-01-01T00:00:01Z'],
                            ['start', '1970-01-01T00:00:00Z']], None]],
                         self.api.sent)

    def test_too_many_bars(self):
        response = self.client.get(
            INDEX + '?start=2026-11-01&end=2026-11-05&step=hour')
        self.assertContains(response, 'A chart has at most 72 bars')

    def test_unreachable_api_is_explained(self):
        self.client.get(INDEX + NOVEMBER)  # the panel's probe, answered
        with requests_mock_failure():
            response = self.client.get(INDEX + NOVEMBER)
        self.assertEqual(200, response.status_code)
        self.assertContains(response, 'could not be reached')
        self.assertContains(response, 'id="metering-unavailable"')
        self.assertNotContains(response, 'Traceback')

    def test_csv_of_an_invalid_period(self):
        response = self.client.get(CSV + '?start=2026-11-05&end=x&step=day')
        self.assertEqual(400, response.status_code)
        self.assertIn(b'Invalid period', response.content)


def requests_mock_failure():
    """Every request to the API fails to connect, as with the API down."""
    return mock.patch('requests.Session.send', side_effect=(
        requests.exceptions.ConnectionError('connection refused')))


class ReaderUsageTest(UsageTestMixin, base.TestCase):
    identity = 'alpha-reader'


class EmptyProjectUsageTest(base.TestCase):
    identity = 'gamma-member'

    def test_empty_states_are_explained(self):
        response = self.client.get(INDEX + NOVEMBER)
        self.assertEqual(200, response.status_code)
        self.assertContains(
            response, 'No usage was metered for this project in this period')
        self.assertContains(response, 'id="metering-no-chart"')
        self.assertContains(
            response, 'No resource of this project was billed in this period')
        self.assertNotContains(response, '<figure')


class NoRightUsageTest(base.TestCase):
    # Only the service role: the API refuses usage:get.
    identity = 'delta-service'

    def test_panel_hidden_and_closed(self):
        response = self.client.get(INDEX + NOVEMBER)
        self.assertNotEqual(500, response.status_code)
        self.assertNotIn(b'Exact (API)', response.content)
        self.assertEqual(403, self.answer('GET', '/v1/usage').get(
            'error', {}).get('code'))
