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
"""A whole simulated cloud in one object. A TEST TOOL.

    sim = Simulation(start, rabbit_url, seed=7, drop=0.1).start()
    sim.workload.run(4 * 3600)
    sim.configure(conf)          # [service_credentials] for the product
    ...
    sim.stop()

Everything random derives from ``seed``; the clock is simulated and moves
only through the workload (or ``sim.clock.advance``), so a run is
reproducible and hours pass in seconds.
"""

from keystoneauth1 import loading as ks_loading

from scs_metering.tests.simulator import api
from scs_metering.tests.simulator import cloud
from scs_metering.tests.simulator import notifier
from scs_metering.tests.simulator import workload

USERNAME = 'scs-metering'
# The types whose changes the simulated services notify; the others are
# only listed by the APIs.
NOTIFIED = ('instance', 'volume', 'snapshot', 'floating_ip', 'router',
            'dns_zone')
PASSWORD = 'simulated'


class Simulation:

    def __init__(self, start, rabbit_url, seed=0, projects=4,
                 exchanges=None, topics=None, drop=0.0, delay=0.0,
                 duplicate=0.0, reorder=0.0, delay_for=None, durable=False,
                 **rates):
        self.clock = cloud.Clock(start)
        self.cloud = cloud.Cloud(self.clock, [
            '%032x' % (seed * 1000 + i) for i in range(1, projects + 1)],
            seed=seed)
        self.api = api.SimulatedAPI(self.cloud)
        self.notifier = notifier.Notifier(
            rabbit_url, exchanges=exchanges, topics=topics, seed=seed,
            drop=drop, delay=delay, duplicate=duplicate, reorder=reorder,
            delay_for=delay_for, durable=durable)
        self.workload = workload.Workload(self.cloud, self.notifier,
                                          seed=seed, **rates)

    def start(self):
        self.api.start()
        return self

    def stop(self):
        self.api.stop()
        self.notifier.close()

    def configure(self, conf, group='service_credentials'):
        """Point the product's keystoneauth options at this cloud."""
        conf.register_opts(ks_loading.get_auth_plugin_conf_options(
            'v3password'), group=group)
        for name, value in (('auth_type', 'v3password'),
                            ('auth_url', self.api.auth_url),
                            ('username', USERNAME),
                            ('password', PASSWORD),
                            ('user_domain_id', 'default'),
                            ('project_id', self.api.admin_project),
                            ('valid_interfaces', ['internal']),
                            ('timeout', 2.0), ('connect_retries', 1),
                            ('connect_retry_delay', 0.05),
                            ('status_code_retries', 1),
                            ('status_code_retry_delay', 0.05)):
            conf.set_override(name, value, group)
