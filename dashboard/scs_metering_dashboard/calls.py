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
"""The metering API called from a view or an action, errors told.

What a user sees of a failed call is a message in the page, never a
traceback: the panels' views and actions call the API through these.
"""

from django.contrib import messages
from horizon.utils import functions

from scs_metering_dashboard.api import metering


def call(request, action, *args):
    """An API action, whose error is told to the user.

    The error is raised again, so that Horizon counts the action failed.
    """
    try:
        return action(metering.client(request), *args)
    except metering.ERRORS as exc:
        messages.error(request, metering.error_text(exc))
        raise


def page(request, fetch, *args, **kwargs):
    """(items, more?) of an API page; ([], False) and a message on error."""
    try:
        return fetch(metering.client(request), *args,
                     functions.get_page_size(request),
                     request.GET.get('marker'), **kwargs)
    except metering.ERRORS as exc:
        messages.error(request, metering.error_text(exc))
        return [], False
