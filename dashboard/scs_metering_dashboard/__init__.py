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
"""Horizon panels of scs-metering.

Project > Metering > Usage shows a project its metered usage; Admin >
Metering > Sinks and Service health show an operator where usage goes and
how the services feeding it are doing. Every number comes from the
metering API through ``scsmeteringclient``, with the user's token.
"""
