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
"""ISO 4217 currencies and their minor units.

An invoice line is rounded to its currency's minor unit: cents for EUR,
whole yen for JPY, fils (1/1000) for BHD. The table is List One of
ISO 4217, "Current currency & funds code list", as published by its
maintenance agency (SIX Financial Information AG, on behalf of ISO),
column "Minor unit". Codes whose minor unit is "N.A." there (gold,
silver, SDR, the test and "no currency" codes) cannot carry an amount to
round and are left out. A currency that the standard adds later needs a
line here, and a release note.
"""

_BY_MINOR_UNIT = {
    0: ('BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF '
        'XPF'),
    2: ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND '
        'BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU '
        'CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS '
        'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR '
        'KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU '
        'MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK '
        'PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS '
        'SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD '
        'USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG'),
    3: 'BHD IQD JOD KWD LYD OMR TND',
    4: 'CLF UYW',
}

MINOR_UNITS = {code: minor for minor, codes in _BY_MINOR_UNIT.items()
               for code in codes.split()}


def minor_units(code):
    """Decimal places of the currency's minor unit; ValueError if unknown.

    The error names the code, so a price list in "EURO" or "eur" is
    refused when it is published rather than when it is first invoiced.
    """
    if code not in MINOR_UNITS:
        raise ValueError('unknown currency %r: give an ISO 4217 code in '
                         'capitals, such as EUR, USD or JPY' % (code,))
    return MINOR_UNITS[code]


def exponent(code):
    """The exponent that round_ratio rounds the currency's amounts to."""
    return -minor_units(code)
