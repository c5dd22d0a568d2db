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
"""How every scs-metering process runs: on native threads, never eventlet.

oslo.service picks its backend, eventlet or threading, the first time a
library asks for one, and importing oslo.messaging asks. So
prepare_process() runs before anything imports oslo.messaging: the
entry-point packages (scs_metering.command, scs_metering.wsgi) call it
when they are imported, before any of their modules is, and so do the
tests and the benchmarks. Calling it again changes nothing; calling it
once eventlet was chosen raises oslo.service's BackendAlreadySelected, so
an import in the wrong order fails loudly instead of running on eventlet.
"""

import warnings

from cryptography import utils
from oslo_service import backend


def prepare_process():
    """Select oslo.service's threading backend for this process."""
    # futurist imports eventlet whenever it is installed (oslo.service
    # still depends on it). scs-metering never uses eventlet, so its
    # deprecation warning would only confuse operators.
    warnings.filterwarnings('ignore', message='(?s).*Eventlet is deprecated')
    # eventlet imports dnspython, whose DNSSEC module names DSA keys, which
    # cryptography 51 deprecates: four warnings (eight lines) before every
    # command's output. dnspython 2.9.2, the newest, still does; capping
    # cryptography, a security library, would be worse. Only warnings
    # raised from dnspython's own DNSSEC algorithms are ignored.
    warnings.filterwarnings('ignore',
                            category=utils.CryptographyDeprecationWarning,
                            module=r'dns\.dnssecalgs(\.|$)')
    backend.init_backend(backend.BackendType.THREADING)
