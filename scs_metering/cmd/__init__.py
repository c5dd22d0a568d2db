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
import warnings

from cryptography import utils

# futurist imports eventlet whenever it is installed (oslo.service still
# depends on it). scs-metering never uses eventlet, so its deprecation
# warning would only confuse operators.
warnings.filterwarnings('ignore', message='(?s).*Eventlet is deprecated')
# eventlet imports dnspython, whose DNSSEC module names DSA keys, which
# cryptography 51 deprecates: four warnings (eight lines) before every
# command's output. dnspython 2.9.2, the newest, still does; capping
# cryptography, a security library, would be worse. Only warnings raised
# from dnspython's own DNSSEC algorithms are ignored.
warnings.filterwarnings('ignore',
                        category=utils.CryptographyDeprecationWarning,
                        module=r'dns\.dnssecalgs(\.|$)')

# oslo_service.service picks its backend when first imported, so the
# threading backend is chosen before any command imports it.
from oslo_service import backend  # noqa: E402

backend.init_backend(backend.BackendType.THREADING)
