#!/usr/bin/env python3
"""Writes the consent.version payload vectors of format 3 (Specs/consent.md section 3.3):
an original's anchor, policy references and provision data. Independent of the Swift code,
as make_consent_vectors.py: valid payloads are plain Python values serialised by the
canonical JSON rule with the standard library; invalid payloads are literal text with the
error code and JSON path the strict decoder must report. The format-1 and format-2
vectors (consent-version.json) are unchanged and still checked byte for byte.

    python3 Tests/Tools/make_consent_format3_vectors.py > Tests/Vectors/consent-version-format3.json
"""
import json


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


PATIENT = 'e5aef57b0965e91bbe1c51ae064ee2524118b76f3acb72ed190aa5b0564b5324'
ANCHOR = 'ab' * 32
SCOPE = {'codings': [{'code': 'patient-privacy', 'system': 'http://terminology.hl7.org/CodeSystem/consentscope'}]}
CATEGORY = [{'codings': [{'code': '59284-0', 'system': 'http://loinc.org'}]}]

BASE = {'category': CATEGORY, 'consent_id': 'c1', 'patient': PATIENT, 'scope': SCOPE, 'status': 'active'}

VALID = [
    ('original-only', dict(BASE, format=3, original=ANCHOR)),
    ('format3-everything', dict(
        BASE, format=3, original=ANCHOR,
        policies=['urn:careledger:trial:T0:protocol:v1'],
        policy_refs=[{'uri': 'http://hl7.org/fhir/ConsentPolicy/opt-out'},
                     {'authority': 'https://www.canada.ca/en/health-canada.html'}],
        provision={'type': 'permit',
                   'actors': [{'reference': 'urn:careledger:patient-pseudonym|' + PATIENT, 'role': {'text': 'grantor'}}],
                   'provisions': [{'type': 'deny', 'data': [{'meaning': 'instance', 'reference': 'DocumentReference/d1'},
                                                             {'meaning': 'related', 'reference': 'Task/example3'}]}]})),
]


def text(value):
    return canonical(value).decode('utf-8')


INVALID = [
    ('format 3 without its members', text(dict(BASE, format=3)), 'invalid-value', '$.format'),
    ('format 1 with an original', text(dict(BASE, format=1, original=ANCHOR)), 'invalid-value', '$.format'),
    ('format 2 with policy references', text(dict(BASE, format=2, policies=['urn:careledger:trial:T0:protocol:v1'],
                                                  policy_refs=[{'uri': 'urn:x'}])), 'invalid-value', '$.format'),
    ('format 4', text(dict(BASE, format=4, original=ANCHOR)), 'invalid-value', '$.format'),
    ('an original in upper-case hex', text(dict(BASE, format=3, original=ANCHOR.upper())), 'invalid-value', '$.original'),
    ('an empty policy reference', text(dict(BASE, format=3, policy_refs=[{}])), 'invalid-value', '$.policy_refs[0]'),
    ('a data meaning CareLedger does not evaluate',
     text(dict(BASE, format=3, provision={'data': [{'meaning': 'dependents', 'reference': 'Task/1'}]})),
     'invalid-value', '$.provision.data[0].meaning'),
    ('an unknown member of a data entry',
     text(dict(BASE, format=3, provision={'data': [{'meaning': 'instance', 'reference': 'Task/1', 'x': 1}]})),
     'invalid-value', '$.provision.data[0].x'),
]

print(json.dumps({
    'description': 'consent.version payloads of format 3 (Specs/consent.md section 3.3), made by '
                   'Tests/Tools/make_consent_format3_vectors.py. valid: exact canonical bytes (hex) of the models named in '
                   'Tests/LedgerConsentTests/PayloadFormat3Tests.swift; invalid: payloads the strict decoder must refuse.',
    'valid': [{'name': n, 'payload_hex': canonical(v).hex()} for n, v in VALID],
    'invalid': [{'name': n, 'payload': p, 'code': c, 'path': path} for n, p, c, path in INVALID],
}, indent=1, ensure_ascii=False))
