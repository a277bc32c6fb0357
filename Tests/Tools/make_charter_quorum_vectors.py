#!/usr/bin/env python3
"""Writes Tests/Vectors/charter-quorum.json from Specs/charter.md §2 and §5.1, independently
of the Swift code: canonical JSON (sorted keys, no whitespace) of a genesis with a quorum,
of one without (a quorum of 1 is never written), and of `charter.approve`, `dispute.open` and `dispute.resolve` payloads, with
the network ids. Run it only when the payloads change; the tests check the committed file.

    python3 Tests/Tools/make_charter_quorum_vectors.py > Tests/Vectors/charter-quorum.json
"""
import hashlib
import json


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def network_id(payload):
    return hashlib.sha256(b"careledger/network/v1" + b"\x00" + payload).hexdigest()


def genesis(quorum):
    value = {
        "network_name": "District network", "founder_name": "central",
        "founder_key": "11" * 32, "founder_agreement_key": "22" * 32,
        "conflict_rule": "deny-overrides", "opt_out": False, "created": "2026-12-05T03:00:00Z",
    }
    if quorum > 1:
        value["quorum"] = quorum
    return canonical(value)


cases = []
for quorum in (1, 2, 3):
    payload = genesis(quorum)
    cases.append({"kind": "charter.genesis", "quorum": quorum, "payload": payload.decode(), "network_id": network_id(payload)})
cases.append({"kind": "charter.approve", "proposal": "ab" * 32, "payload": canonical({"proposal": "ab" * 32}).decode()})
cases.append({"kind": "dispute.open", "entry": "cd" * 32, "reason": "signed for another patient",
              "payload": canonical({"entry": "cd" * 32, "reason": "signed for another patient"}).decode()})
for outcome in ("upheld", "rejected"):
    cases.append({"kind": "dispute.resolve", "dispute": "ef" * 32, "outcome": outcome, "note": "patient confirmed",
                  "payload": canonical({"dispute": "ef" * 32, "outcome": outcome, "note": "patient confirmed"}).decode()})
print(json.dumps({"source": "Specs/charter.md §2, §5.1, §6.1", "cases": cases}, indent=2))
