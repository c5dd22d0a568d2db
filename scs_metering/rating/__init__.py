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
"""The pure core of billing: prices, plans, periods, rating and invoices.

Nothing here touches a database, a queue or the configuration. Documents
(price list versions, plans, subscriptions) come in as the plain dicts
that the API receives and storage keeps in JSON columns; they are parsed
into immutable objects, with errors that name the field at fault. Results
go out as plain values (decimal strings, ISO 8601 UTC times) that storage
and the sink formats serialise as they are.

Modules import only the standard library and ``scs_metering.common``, so
that the engine, the API and the formats can all build on them without an
import cycle.
"""
