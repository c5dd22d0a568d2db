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

"""Events by meter and time, for closing gauge, counter and delta windows.

Revision ID: b3d7f1a9c5e2
Revises: e7f3a9c1d4b6
Create Date: 2026-11-26

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d7f1a9c5e2'
down_revision = 'e7f3a9c1d4b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_events_meter_time', 'events', ['meter', 'event_time'])
