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
"""The base of errors that know how the API answers them.

Each error class carries its HTTP status, as ironic's do, so the API's
error hook (api/hooks.py) turns any of them into a JSON answer without
knowing the package that raised it: the API's own (api/exception.py) and
the sink definitions' (publisher/base.py, publisher/manager.py).
"""


class MeteringError(Exception):
    """An error whose HTTP status and message for clients are known."""

    #: The HTTP status the API answers with.
    code = 500

    @property
    def client_message(self):
        """What the API tells the client; the error's text by default."""
        return str(self)
