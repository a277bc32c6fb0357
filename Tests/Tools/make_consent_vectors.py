#!/usr/bin/env python3
"""Writes the consent payload vectors from Specs/consent.md (§3 consent.version, §6
access.decision), independently of the Swift code: each valid payload is written below as
a plain Python value and serialised here by the spec's canonical JSON rule (keys sorted,
no whitespace, UTF-8, only the escapes JSON requires) with the standard library; the
invalid payloads are literal text with the error code and JSON path the strict decoder
must report. The tests build the same models in Swift and compare bytes. Run it only when
the payload formats change; the tests never regenerate the files.

    python3 Tests/Tools/make_consent_vectors.py > Tests/Vectors/consent-version.json
    python3 Tests/Tools/make_consent_vectors.py --decision > Tests/Vectors/consent-access-decision.json
"""
import json
import sys


def canonical(value):
    """Keys sorted (all keys here are ASCII, so code-unit and byte order agree), no spaces,
    non-ASCII text as UTF-8, control characters as \\u escapes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


VERSION_DESCRIPTION = 'consent.version payloads (Specs/consent.md section 3), made by Tests/Tools/make_consent_vectors.py. valid: the exact canonical bytes (hex) of the models named in Tests/LedgerConsentTests/PayloadVectorTests.swift; invalid: payloads the strict decoder must refuse, with the error code and JSON path it must report.'

VERSION_VALID = [('minimal',
  {'category': [{'codings': [{'code': '59284-0', 'system': 'http://loinc.org'}]}],
   'consent_id': 'c1',
   'format': 1,
   'patient': 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324',
   'scope': {'codings': [{'code': 'patient-privacy',
                          'system': 'http://terminology.hl7.org/CodeSystem/consentscope'}]},
   'status': 'active'}),
 ('nested-deny',
  {'category': [{'codings': [{'code': '59284-0',
                              'display': 'Zustimmung "ärztlich"\n\x01',
                              'system': 'http://loinc.org'}]}],
   'consent_id': 'privacy-clinic-b',
   'date_time': 1767225599999,
   'format': 1,
   'organizations': ['Organization/clinic-a'],
   'patient': 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324',
   'policy_rule': {'codings': [{'code': 'OPTIN',
                                'system': 'http://terminology.hl7.org/CodeSystem/v3-ActCode'}]},
   'provision': {'actions': [{'text': 'access'}],
                 'actors': [{'reference': 'Organization/clinic-b',
                             'role': {'codings': [{'code': 'PRCP',
                                                   'system': 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType'}]}}],
                 'classes': [{'code': 'Observation', 'system': 'http://hl7.org/fhir/resource-types'}],
                 'codes': [{'codings': [{'code': '8480-6', 'system': 'http://loinc.org'}]}],
                 'data_period': {'end': 1767225600000},
                 'period': {'end': 1798761599999, 'start': 1767225600000},
                 'provisions': [{'security_labels': [{'code': 'HIV',
                                                      'system': 'http://terminology.hl7.org/CodeSystem/v3-ActCode'}],
                                 'type': 'deny'}],
                 'purposes': [{'code': 'TREAT',
                               'system': 'http://terminology.hl7.org/CodeSystem/v3-ActReason'}],
                 'type': 'permit'},
   'scope': {'codings': [{'code': 'patient-privacy',
                          'system': 'http://terminology.hl7.org/CodeSystem/consentscope'}]},
   'status': 'inactive',
   'supersedes': ['08cb8407b56d75ec08c7fe07b56a5c6308c47c07b56749a608dc8607b57bec85',
                  '08cb8707b56d7b0508c7ff07b56a5e1608c47b07b56747f308dc8307b57be76c']})]

VERSION_INVALID = [{'name': 'whitespace after a colon',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id": '
             '"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'non-canonical-payload',
  'path': '$'},
 {'name': 'members out of order',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"format":1,"consent_id":"c1","patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'non-canonical-payload',
  'path': '$'},
 {'name': 'a trailing newline',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}\n',
  'code': 'non-canonical-payload',
  'path': '$'},
 {'name': 'an escaped slash',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http:\\/\\/loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'non-canonical-payload',
  'path': '$'},
 {'name': 'an unknown member',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active","zzz":1}',
  'code': 'invalid-value',
  'path': '$.zzz'},
 {'name': 'an empty supersedes list',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active","supersedes":[]}',
  'code': 'invalid-value',
  'path': '$.supersedes'},
 {'name': 'uppercase hex in the pseudonym',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"E5AEF57B0965E91BBE1C51AE064EE2524118B76F3ACB72ED190AA5B0564B5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.patient'},
 {'name': 'a short pseudonym',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b53","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.patient'},
 {'name': 'a newer format',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":2,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.format'},
 {'name': 'an unknown status',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"revoked"}',
  'code': 'invalid-value',
  'path': '$.status'},
 {'name': 'a missing scope',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","status":"active"}',
  'code': 'missing-element',
  'path': '$.scope'},
 {'name': 'a fractional time',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","date_time":1.5,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.date_time'},
 {'name': 'a time beyond year 9999',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","date_time":253402300800000,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.date_time'},
 {'name': 'a bad provision type',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"provision":{"type":"allow"},"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.provision.type'},
 {'name': 'an empty period',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"provision":{"period":{}},"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.provision.period'},
 {'name': 'a period ending before it starts',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"provision":{"period":{"end":1,"start":2}},"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.provision.period'},
 {'name': 'a concept with neither codings nor text',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{},"status":"active"}',
  'code': 'invalid-value',
  'path': '$.scope'},
 {'name': 'a duplicate member',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active","status":"active"}',
  'code': 'malformed-json',
  'path': None},
 {'name': 'truncated',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"c1","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"',
  'code': 'malformed-json',
  'path': None},
 {'name': 'not an object', 'payload': '[]', 'code': 'invalid-value', 'path': '$'},
 {'name': 'a lone surrogate escape',
  'payload': '{"category":[{"codings":[{"code":"59284-0","system":"http://loinc.org"}]}],"consent_id":"\\ud800","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","scope":{"codings":[{"code":"patient-privacy","system":"http://terminology.hl7.org/CodeSystem/consentscope"}]},"status":"active"}',
  'code': 'malformed-json',
  'path': None}]

DECISION_DESCRIPTION = 'access.decision payloads (Specs/consent.md section 6; format 1 and format 3, the API client), made by Tests/Tools/make_consent_vectors.py --decision; same conventions as consent-version.json.'

DECISION_VALID = [('emergency-permit',
  {'actor': 'Organization/clinic-b',
   'basis': ['08cb8707b56d7b0508c7ff07b56a5e1608c47b07b56747f308dc8307b57be76c'],
   'classes': ['HIV', 'Observation'],
   'data_time': 1767139200000,
   'decision': 'permit',
   'emergency': True,
   'format': 1,
   'patient': 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324',
   'purpose': 'ETREAT',
   'reason': "break-glass: emergency access for treatment overrides: denied by the consent's provision",
   'time': 1767225600000}),
 ('no-consent',
  {'actor': 'Organization/clinic-b',
   'classes': ['Observation'],
   'decision': 'deny',
   'emergency': False,
   'format': 1,
   'patient': 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324',
   'purpose': 'TREAT',
   'reason': 'no consent on record',
   'time': 1767225600000}),
 ('api-client',
  {'actor': 'Organization/clinic-b',
   'classes': ['Observation'],
   'client': 'ehr-1',
   'decision': 'deny',
   'emergency': False,
   'format': 3,
   'patient': 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324',
   'purpose': 'TREAT',
   'reason': 'no consent on record',
   'time': 1767225600000})]

DECISION_INVALID = [{'name': 'an unknown decision',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"decision":"maybe","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.decision'},
 {'name': 'an emergency flag that is a string',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"decision":"deny","emergency":"no","format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.emergency'},
 {'name': 'a missing reason',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"decision":"deny","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","time":1767225600000}',
  'code': 'missing-element',
  'path': '$.reason'},
 {'name': 'an empty basis',
  'payload': '{"actor":"Organization/clinic-b","basis":[],"classes":["Observation"],"decision":"deny","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.basis'},
 {'name': 'unsorted classes',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation","HIV"],"decision":"deny","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'non-canonical-payload',
  'path': '$'},
 {'name': 'an unknown member',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"decision":"deny","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000,"zzz":true}',
  'code': 'invalid-value',
  'path': '$.zzz'},
 {'name': 'a client in format 1',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"client":"ehr-1","decision":"deny","emergency":false,"format":1,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.format'},
 {'name': 'format 3 without a client',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"decision":"deny","emergency":false,"format":3,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.format'},
 {'name': 'an empty client',
  'payload': '{"actor":"Organization/clinic-b","classes":["Observation"],"client":"","decision":"deny","emergency":false,"format":3,"patient":"e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324","purpose":"TREAT","reason":"no '
             'consent on record","time":1767225600000}',
  'code': 'invalid-value',
  'path': '$.client'}]

def document(description, valid, invalid):
    return {
        "description": description,
        "valid": [{"name": name, "payload_hex": canonical(value).hex()} for name, value in valid],
        "invalid": invalid,
    }


if __name__ == "__main__":
    if "--decision" in sys.argv[1:]:
        out = document(DECISION_DESCRIPTION, DECISION_VALID, DECISION_INVALID)
    else:
        out = document(VERSION_DESCRIPTION, VERSION_VALID, VERSION_INVALID)
    sys.stdout.write(json.dumps(out, indent=1))
