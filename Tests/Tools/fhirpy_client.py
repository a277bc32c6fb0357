#!/usr/bin/env python3
"""An independent FHIR client (fhirpy) against a running `careledger serve --http` (issue 15).

Creates a Consent, reads it, searches by patient (and by actor, purpose and date), posts a
revocation, searches again, asks the CDS Hooks consult before and after the revocation and
reads the AuditEvents back (each naming the API client, found again by agent=CLIENT). Every
resource the server returns is validated with fhir.resources (R4B). Prints one JSON line with
what it saw; exits 1 on any failed expectation, naming it.

usage: fhirpy_client.py BASE_URL TOKEN CONSENT_JSON
"""
import json
import sys
import urllib.request

from fhirpy import SyncFHIRClient
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.consent import Consent


def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(1)


def consult(base, token, patient, actor):
    body = {
        "hook": "patient-consent-consult", "hookInstance": "fhirpy-1",
        "context": {"patientId": [patient], "purposeOfUse": ["TREAT"], "scope": "patient-privacy",
                    "actor": [{"system": "urn:ietf:rfc:3986", "value": actor}], "class": ["Observation"]},
    }
    request = urllib.request.Request(base.rsplit("/fhir", 1)[0] + "/cds-services/patient-consent-consult",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["cards"][0]["summary"]


def main():
    base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path) as handle:
        original = json.load(handle)
    client = SyncFHIRClient(base, authorization="Bearer " + token)
    identifier = original["patient"]["identifier"]
    patient_token = identifier["system"] + "|" + identifier["value"]
    actor = original["provision"]["actor"][0]["reference"]["reference"]

    created = client.resource("Consent", **original)
    created.save()                                            # PUT /Consent/{id}: the id is the client's
    read = client.reference("Consent", original["id"]).to_resource()
    Consent.model_validate(read.serialize())
    if read["status"] != "active":
        fail("read back status %r" % read["status"])
    found = client.resources("Consent").search(patient=patient_token).fetch()
    if len(found) != 1:
        fail("search found %d consents" % len(found))
    for resource in found:
        Consent.model_validate(resource.serialize())
    # The other search parameters, as fhirpy sends them (Specs/fhir-api.md section 4.2).
    day = original["dateTime"][:10]
    narrowed = {
        "actor": len(client.resources("Consent").search(patient=patient_token, actor=actor).fetch()),
        "actor-other": len(client.resources("Consent").search(patient=patient_token, actor="Organization/nobody").fetch()),
        "purpose": len(client.resources("Consent").search(patient=patient_token, purpose="TREAT").fetch()),
        "date-eq": len(client.resources("Consent").search(patient=patient_token, date=day).fetch()),
        "date-gt": len(client.resources("Consent").search(patient=patient_token, date="gt" + day).fetch()),
    }
    if narrowed != {"actor": 1, "actor-other": 0, "purpose": 1, "date-eq": 1, "date-gt": 0}:
        fail("Consent search by actor, purpose and date found %r" % narrowed)
    first = consult(base, token, {"system": identifier["system"], "value": identifier["value"]}, actor)

    revoked = dict(original, status="inactive")
    client.resource("Consent", **revoked).save()
    again = client.resources("Consent").search(patient=patient_token).fetch()
    if [r["status"] for r in again] != ["inactive"]:
        fail("after the revocation the search says %r" % [r["status"] for r in again])
    second = consult(base, token, {"system": identifier["system"], "value": identifier["value"]}, actor)

    events = client.resources("AuditEvent").search(patient=patient_token).fetch()
    for event in events:
        AuditEvent.model_validate(event.serialize())
    outcomes = [e["outcome"] for e in events]
    clients = [[a["who"]["identifier"]["value"] for a in e["agent"]
                if a["who"].get("identifier", {}).get("system") == "urn:careledger:api-client"] for e in events]
    if any(len(c) != 1 for c in clients):
        fail("AuditEvents name API clients %r (one client agent each expected)" % clients)
    by_client = client.resources("AuditEvent").search(agent=clients[0][0]).fetch()
    if len(by_client) != 2:
        fail("AuditEvent search by the client's name found %d" % len(by_client))
    result = {"ok": True, "consults": [first, second], "audit_outcomes": outcomes, "audit_clients": clients}
    if [first, second] != ["CONSENT_PERMIT", "CONSENT_DENY"]:
        fail("consults answered %r" % [first, second])
    if outcomes != ["4", "0"]:
        fail("AuditEvents have outcomes %r" % outcomes)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
