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
"""The panels in a real browser, against a real Horizon, Keystone and API.

Headless Chromium (Debian's chromium and chromium-driver, through
selenium) logs in to Horizon (runserver) as a project member and as an
admin. Horizon's Keystone is the functional tests' own; the metering API
runs on data replayed from real notifications (../stack.py). Each page's
numbers are compared with the API's own answers, asked at the same time
with the same user's token; a dead letter is retried and delivered; a
screenshot of each page is saved for the user guide.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import unittest

import requests
from selenium.common import exceptions as selenium_exc
from selenium import webdriver
from selenium.webdriver.chrome import service as chrome_service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support import ui

from scs_metering_dashboard import meters
from scs_metering_dashboard.tests import stack as stack_mod
from scs_metering_dashboard import units

IN_CI = os.environ.get('CI') == 'true'
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
DRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
REPO = stack_mod.REPO
SCREENSHOTS = os.environ.get('SCS_METERING_SCREENSHOTS') or os.path.join(
    REPO, 'doc', 'source', 'user', 'screenshots')
# What a failed walk leaves behind: the page, a screenshot, the logs.
ARTIFACTS = os.environ.get('SCS_METERING_BROWSER_ARTIFACTS') or os.path.join(
    REPO, 'dashboard', 'build', 'browser')
NOVEMBER = {'start': '2026-11-01T00:00:00Z', 'end': '2026-12-01T00:00:00Z'}
NOVEMBER_QUERY = '?start=2026-11-01&end=2026-12-01&step=day'
NOVEMBER_2_QUERY = '?start=2026-11-02&end=2026-11-03&step=hour'
WIDE, NARROW = 1280, 480


def _unavailable(message):
    if IN_CI:
        raise RuntimeError(message)
    raise unittest.SkipTest(message)


class Horizon:
    """Horizon under Django's runserver, with the plugin enabled."""

    def __init__(self, keystone_url, directory):
        self.port = stack_mod.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log = os.path.join(directory, 'horizon.log')
        # Loaded from a copy: importing it from this package would import
        # the tests package, which sets Django up with the view tests'
        # settings.
        shutil.copy(os.path.join(os.path.dirname(__file__),
                                 'horizon_settings.py'),
                    os.path.join(directory, 'horizon_test_settings.py'))
        env = dict(
            os.environ, DJANGO_SETTINGS_MODULE='horizon_test_settings',
            PYTHONPATH=directory,
            SCS_METERING_TEST_KEYSTONE_URL=keystone_url,
            SCS_METERING_TEST_SECRET_KEY=secrets.token_hex(32),
            SCS_METERING_TEST_STATIC_ROOT=os.path.join(directory, 'static'))
        with open(self.log, 'w') as log:
            self.process = subprocess.Popen(
                [sys.executable, '-m', 'django', 'runserver', '--insecure',
                 '--noreload', '127.0.0.1:%d' % self.port],
                env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        stack_mod.wait_for_port(self.port, self.process, self.log, 120)
        # The first page compiles Horizon's stylesheets: wait for it here.
        requests.get(self.url + '/auth/login/', timeout=300)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class BrowserTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for path, package in ((CHROMIUM, 'chromium'),
                              (DRIVER, 'chromium-driver')):
            if not os.path.exists(path):
                _unavailable('%s is not installed (Debian package %s)' % (
                    path, package))
        cls.stack = stack_mod.Stack()
        try:
            cls.stack.start()
        except stack_mod.Unavailable as exc:
            cls.stack.stop()
            _unavailable(str(exc))
        except Exception:
            cls.stack.stop()
            raise
        cls.addClassCleanup(cls.stack.stop)
        cls.horizon = Horizon(cls.stack.keystone.url, cls.stack.dir)
        cls.addClassCleanup(cls.horizon.stop)
        os.makedirs(SCREENSHOTS, exist_ok=True)

    def browser(self):
        """A new browser with a fresh profile: nobody signed in."""
        profile = tempfile.mkdtemp(prefix='scs-chromium-')
        self.addCleanup(shutil.rmtree, profile, True)
        driver = webdriver.Chrome(service=chrome_service.Service(DRIVER),
                                  options=self._options(profile))
        self.addCleanup(driver.quit)
        return driver

    @staticmethod
    def _options(profile):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        # Root in a closed network: no sandbox, and nothing that calls
        # home.
        for argument in ('--headless=new', '--no-sandbox', '--disable-gpu',
                         '--disable-quic', '--no-first-run',
                         '--disable-background-networking',
                         '--disable-component-update', '--disable-sync',
                         '--disable-dev-shm-usage',
                         '--user-data-dir=%s' % profile,
                         '--window-size=%d,900' % WIDE):
            options.add_argument(argument)
        return options

    # Helpers

    def go(self, path):
        self.driver.get(self.horizon.url + path)

    def wait(self, condition, timeout=60):
        try:
            return ui.WebDriverWait(self.driver, timeout).until(condition)
        except selenium_exc.TimeoutException:
            self.keep_artifacts()
            raise

    def keep_artifacts(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        with open(os.path.join(ARTIFACTS, 'page.html'), 'w') as f:
            f.write(self.driver.page_source)
        self.driver.save_screenshot(os.path.join(ARTIFACTS, 'page.png'))
        for name in ('horizon.log', 'api.log'):
            path = os.path.join(self.stack.dir, name)
            if os.path.exists(path):
                shutil.copy(path, ARTIFACTS)

    def login(self, user):
        self.driver = self.browser()
        self.go('/auth/login/')
        self.wait(expected.presence_of_element_located((By.ID,
                                                        'id_username')))
        self.driver.find_element(By.ID, 'id_username').send_keys(user)
        password = (stack_mod.keystone_mod.ADMIN_PASSWORD
                    if user == 'admin' else stack_mod.keystone_mod.PASSWORD)
        self.driver.find_element(By.ID, 'id_password').send_keys(password)
        self.driver.find_element(By.ID, 'loginBtn').click()
        self.wait(lambda d: '/auth/login' not in d.current_url)

    def rows(self, table):
        """{row id: [cell text]} of a Horizon table on the page."""
        prefix = table + '__row__'
        found = {}
        for row in self.driver.find_elements(
                By.CSS_SELECTOR, 'tr[id^="%s"]' % prefix):
            found[row.get_attribute('id')[len(prefix):]] = [
                cell.text.strip() for cell in row.find_elements(
                    By.TAG_NAME, 'td')]
        return found

    def field(self, name):
        return self.driver.find_element(
            By.CSS_SELECTOR, 'dd[data-field="%s"]' % name).text.strip()

    def screenshot(self, name, width=WIDE):
        self.driver.set_window_size(width, 900)
        height = self.driver.execute_script(
            'return document.documentElement.scrollHeight')
        self.driver.set_window_size(width, min(max(height, 600), 4000))
        self.driver.save_screenshot(os.path.join(SCREENSHOTS, name))
        overflow = self.driver.execute_script(
            'return document.documentElement.scrollWidth - '
            'document.documentElement.clientWidth')
        self.driver.set_window_size(WIDE, 900)
        return overflow

    def act(self, element_id):
        """Click a table action; confirm it if Horizon asks; wait."""
        page = self.driver.find_element(By.TAG_NAME, 'html')
        self.driver.find_element(By.ID, element_id).click()
        confirm = (By.CSS_SELECTOR,
                   '.modal.in .modal-footer .btn:not(.cancel)')
        self.wait(lambda d: expected.staleness_of(page)(d) or
                  d.find_elements(*confirm))
        if not expected.staleness_of(page)(self.driver):
            self.driver.find_element(*confirm).click()
            self.wait(expected.staleness_of(page))
        self.wait(expected.presence_of_element_located((
            By.CSS_SELECTOR, '.messages')))

    def messages(self):
        return ' '.join(e.text for e in self.driver.find_elements(
            By.CSS_SELECTOR, '.messages .alert'))

    # The walk

    def test_member(self):
        self.member_usage()
        self.member_has_no_admin_panels()

    def test_admin(self):
        self.admin_sinks()
        self.admin_dead_letters()
        self.admin_health()

    def member_usage(self):
        self.login('alpha-member')
        # The home of a member of a cloud with only the metering API.
        self.assertIn('/project/metering_usage/', self.driver.current_url)
        self.go('/project/metering_usage/' + NOVEMBER_QUERY)
        self.wait(expected.presence_of_element_located((
            By.CSS_SELECTOR, 'figure[data-meter="instance"]')))
        api = self.stack.client('alpha-member')
        report = api.usage.get(group_by=meters.group_by(), **NOVEMBER)
        rows = self.rows('usage')
        self.assertEqual(len(report['usage']), len(rows))
        for index, entry in enumerate(report['usage']):
            row = rows[str(index)]
            self.assertEqual(
                [entry['meter'],
                 meters.group_label(entry['meter'], entry['group']),
                 units.text(units.to_readable(entry['quantity'],
                                              entry['unit'])),
                 units.readable_unit(entry['unit']), entry['quantity'],
                 entry['unit']], row[:6])
        # By hand: 65688 s of m1.small is 18.2467 hours; the volume,
        # 10 GiB for 6.5 hours, 65 GiB-hours.
        shown = {row[4]: row[2] for row in rows.values()}
        self.assertEqual('18.2467', shown['65688'])
        self.assertEqual('65.0000', shown['234000'])
        self.assertEqual(0, self.screenshot('project-usage.png'))
        self.assertLessEqual(self.screenshot('project-usage-narrow.png',
                                             NARROW), 0)
        self.csv_download(report)
        self.go('/project/metering_usage/' + NOVEMBER_2_QUERY)
        bars = self.driver.find_elements(
            By.CSS_SELECTOR, 'figure[data-meter="instance"] rect')
        hour = api.usage.get(start='2026-11-02T13:00:00Z',
                             end='2026-11-02T14:00:00Z',
                             group_by=meters.group_by())
        titles = [bar.find_element(By.TAG_NAME, 'title').get_attribute(
            'textContent') for bar in bars]
        for entry in hour['usage']:
            if entry['meter'] == 'instance':
                self.assertIn('13:00 %s: %s hours (%s s)' % (
                    meters.group_label('instance', entry['group']),
                    units.text(units.to_readable(entry['quantity'], 's')),
                    entry['quantity']), titles)
        self.screenshot('project-usage-hourly.png')

    def csv_download(self, report):
        link = self.driver.find_element(By.ID, 'metering-csv')
        cookies = {c['name']: c['value'] for c in self.driver.get_cookies()}
        response = requests.get(link.get_attribute('href'), cookies=cookies,
                                timeout=60)
        self.assertEqual(200, response.status_code)
        lines = response.text.strip().splitlines()
        self.assertEqual(len(report['usage']) + 1, len(lines))
        for entry, line in zip(report['usage'], lines[1:]):
            self.assertIn(',%s,%s,' % (entry['quantity'], entry['unit']),
                          line)

    def member_has_no_admin_panels(self):
        self.assertNotIn('metering_sinks', self.driver.page_source)
        self.go('/admin/metering_sinks/')
        self.assertNotIn('Dead letters', self.driver.page_source)
        self.assertNotIn('Traceback', self.driver.page_source)

    def admin_sinks(self):
        self.login('admin')
        self.go('/admin/metering_sinks/')
        api = self.stack.client()
        rows = self.rows('sinks')
        sinks = api.sinks.list()
        self.assertEqual({s['id'] for s in sinks}, set(rows))
        for sink in sinks:
            status = api.sinks.status(sink['id'])
            self.assertEqual(
                [sink['name'], 'Paused' if status['paused'] else
                 'Delivering', str(status['backlog']),
                 str(status['delivered']), str(status['dead_letters'])],
                [rows[sink['id']][i] for i in (0, 3, 4, 6, 8)])
        self.assertEqual(0, self.screenshot('admin-sinks.png'))
        self.screenshot('admin-sinks-narrow.png', NARROW)
        archive = self.stack.sinks['archive']['id']
        self.act('sinks__row_%s__action_pause' % archive)
        self.assertTrue(api.sinks.status(archive)['paused'])
        self.assertEqual('Paused', self.rows('sinks')[archive][3])
        self.act('sinks__row_%s__action_resume' % archive)
        self.assertFalse(api.sinks.status(archive)['paused'])

    def admin_dead_letters(self):
        api = self.stack.client()
        billing = self.stack.sinks['billing']['id']
        self.go('/admin/metering_sinks/%s/' % billing)
        before = api.sinks.status(billing)
        self.assertTrue(before['dead_letters'])
        self.assertEqual(str(before['dead_letters']),
                         self.field('dead_letters'))
        self.assertEqual(str(before['backlog']), self.field('backlog'))
        self.screenshot('admin-sink-dead-letters.png')
        first = api.sinks.dead_letters(billing, limit=1)[0]
        self.act('dead_letters__row_%d__action_retry' % first['id'])
        after = api.sinks.status(billing)
        self.assertEqual(before['dead_letters'] - 1, after['dead_letters'])
        self.assertEqual(before['backlog'] + 1, after['backlog'])
        self.assertEqual(str(after['dead_letters']),
                         self.field('dead_letters'))
        # The sink is fixed: retry the rest and deliver.
        self.stack.webhook.accept = True
        self.act('dead_letters__action_retry_all')
        self.assertIn('pending again', self.messages())
        self.stack.deliver()
        self.go('/admin/metering_sinks/%s/' % billing)
        final = api.sinks.status(billing)
        self.assertEqual(0, final['dead_letters'])
        self.assertEqual(0, final['backlog'])
        self.assertEqual(before['dead_letters'], final['delivered'])
        # (in batches: fewer requests than records)
        self.assertTrue(self.stack.webhook.received)
        self.assertEqual(str(final['delivered']), self.field('delivered'))
        self.assertEqual('0', self.field('dead_letters'))
        self.screenshot('admin-sink-delivered.png')

    def admin_health(self):
        # The walk's deliveries ran the window closer, which cleared the
        # seeded stall (the windows close): stall it again for the page.
        self.stack.seed_status()
        api = self.stack.client()
        before = api.status.get()
        self.go('/admin/metering_health/')
        after = api.status.get()
        windows = self.rows('windows')
        self.assertEqual(sorted(w['meter'] for w in after['windows']),
                         sorted(row[0] for row in windows.values()))
        for window in after['windows']:
            row = [r for r in windows.values() if r[0] == window['meter']][0]
            self.assertEqual(window['closed_until'], row[1])
            low = [w for w in before['windows']
                   if w['meter'] == window['meter']][0]['lag_seconds']
            self.assertTrue(low <= int(row[2]) <= window['lag_seconds'])
        self.assertEqual(str(after['quarantine']['total']),
                         self.field('total'))
        # The seeded workers: one of each state, as the API says it.
        services = self.rows('services')
        self.assertEqual(
            sorted(['%s@%s' % (w['binary'], w['host']), w['state']]
                   for w in after['services']),
            sorted([key, row[2].lower()] for key, row in services.items()))
        self.assertEqual({'up', 'stopped', 'down'},
                         {w['state'] for w in after['services']})
        self.assertEqual(['volume.size'],
                         [s['meter'] for s in after['stalled_meters']])
        self.assertEqual(['volume.size'], sorted(self.rows('stalled')))
        self.assertEqual(0, self.screenshot('admin-health.png'))
