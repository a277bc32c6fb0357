#!/usr/bin/env python3
"""Writes Tests/Vectors/entry-encoding.json from Specs/entry-format.md, independently of the
Swift code: bodies are packed here with struct, ids hashed with hashlib, signatures made
with the `cryptography` package's Ed25519 (deterministic, RFC 8032). Run it only when the
format changes; the tests check the committed file byte for byte and never regenerate it.

    python3 Tests/Tools/make_entry_vectors.py > Tests/Vectors/entry-encoding.json
    python3 Tests/Tools/make_entry_vectors.py --tree-head > Tests/Vectors/merkle-signed-tree-head.json
"""
import hashlib
import json
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

CONTEXT = b"CareLedger-Entry-v1"
# RFC 8032 section 7.1 TEST 1 secret key, so the author key is a published value.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def body(network, author, sequence, links, wall, counter, kind, payload, version=1):
    out = bytes([version]) + network + author + struct.pack(">QQI", sequence, wall, counter)
    out += bytes([len(links)]) + b"".join(links)
    out += bytes([len(kind)]) + kind
    out += struct.pack(">I", len(payload)) + payload
    return out


def main():
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    author = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    network = hashlib.sha256(b"careledger test network").digest()
    l1 = hashlib.sha256(b"link one").digest()
    l2 = hashlib.sha256(b"link two").digest()
    l3 = hashlib.sha256(b"link three").digest()
    cases = [
        ("first entry of an author: no links", 0, [], 1764000000000, 0, b"charter.genesis",
         b'{"name":"test network"}'),
        ("one link, consent payload", 1, [l1], 1764000000123, 2, b"consent.version",
         b'{"consent":"c-1","status":"active"}'),
        ("three links after a branch, unknown kind, empty payload", 7, sorted([l1, l2, l3]),
         1764000009999, 4294967295, b"trial.custody.transfer", b""),
        ("longest kind (64 bytes)", 2**64 - 1, [l2], 2**64 - 1, 0, b"k" * 63 + b"~", b"\x00\x01\x02"),
    ]
    valid = []
    for name, seq, links, wall, counter, kind, payload in cases:
        b = body(network, author, seq, links, wall, counter, kind, payload)
        entry_id = hashlib.sha256(b).digest()
        sig = key.sign(CONTEXT + entry_id)
        valid.append({
            "name": name,
            "author_seed": SEED.hex(),
            "network_id": network.hex(),
            "author": author.hex(),
            "sequence": str(seq),
            "links": [x.hex() for x in links],
            "wall_millis": str(wall),
            "counter": counter,
            "kind": kind.decode("ascii"),
            "payload_hex": payload.hex(),
            "body_hex": b.hex(),
            "id": entry_id.hex(),
            "signing_message_hex": (CONTEXT + entry_id).hex(),
            "signature": sig.hex(),
            "encoded_hex": (b + sig).hex(),
        })

    base_body = body(network, author, 1, [l1], 1764000000123, 2, b"consent.version", b'{"a":1}')
    sig = key.sign(CONTEXT + hashlib.sha256(base_body).digest())
    base = base_body + sig
    link_at = 86
    kind_len_at = link_at + 32
    payload_len_at = kind_len_at + 1 + len(b"consent.version")

    def with_byte(buf, at, value):
        return buf[:at] + bytes([value]) + buf[at + 1:]

    two_links_unsorted = body(network, author, 1, [max(l1, l2), min(l1, l2)], 1, 0, b"anchor", b"") + bytes(64)
    two_links_equal = body(network, author, 1, [l1, l1], 1, 0, b"anchor", b"") + bytes(64)
    seventeen = body(network, author, 1, [], 1, 0, b"anchor", b"")
    seventeen = seventeen[:85] + bytes([17]) + seventeen[86:]
    empty_kind = body(network, author, 1, [], 1, 0, b"", b"") + bytes(64)
    spaced_kind = body(network, author, 1, [], 1, 0, b"bad kind", b"") + bytes(64)
    long_kind = body(network, author, 1, [], 1, 0, b"k" * 65, b"") + bytes(64)
    huge_payload = body(network, author, 1, [], 1, 0, b"anchor", b"")
    huge_payload = huge_payload[:-4] + struct.pack(">I", 2**20 + 1) + bytes(64)
    invalid = [
        {"name": "empty input", "encoded_hex": "", "error": "truncated", "offset": 0},
        {"name": "version 2", "encoded_hex": with_byte(base, 0, 2).hex(), "error": "unsupported_version", "offset": 0},
        {"name": "cut inside the signature", "encoded_hex": base[:-1].hex(), "error": "truncated", "offset": len(base) - 1},
        {"name": "cut inside the network id", "encoded_hex": base[:20].hex(), "error": "truncated", "offset": 20},
        {"name": "a byte after the signature", "encoded_hex": (base + b"\x00").hex(), "error": "trailing_bytes", "offset": len(base)},
        {"name": "17 links", "encoded_hex": seventeen.hex(), "error": "limit_exceeded", "offset": 85},
        {"name": "links out of order", "encoded_hex": two_links_unsorted.hex(), "error": "non_canonical", "offset": 86 + 32},
        {"name": "the same link twice", "encoded_hex": two_links_equal.hex(), "error": "non_canonical", "offset": 86 + 32},
        {"name": "empty kind", "encoded_hex": empty_kind.hex(), "error": "invalid_kind", "offset": 86},
        {"name": "kind with a space", "encoded_hex": spaced_kind.hex(), "error": "invalid_kind", "offset": 87 + 3},
        {"name": "kind of 65 bytes", "encoded_hex": long_kind.hex(), "error": "limit_exceeded", "offset": 86},
        {"name": "kind length 200 with the input ending there", "encoded_hex": (long_kind[:86] + bytes([200])).hex(),
         "error": "limit_exceeded", "offset": 86},
        {"name": "payload length over 1 MiB", "encoded_hex": huge_payload.hex(), "error": "limit_exceeded",
         "offset": len(huge_payload) - 64 - 4},
        {"name": "payload length past the end", "encoded_hex": with_byte(base, payload_len_at + 2, 0x10).hex(),
         "error": "truncated", "offset": len(base)},
    ]
    print(json.dumps({
        "description": "CareLedger entry encoding vectors (Specs/entry-format.md), made by Tests/Tools/make_entry_vectors.py",
        "signing_context": CONTEXT.decode("ascii"),
        "valid": valid,
        "invalid": invalid,
    }, indent=2))


def tree_head():
    """A signed tree head per Specs/merkle-log.md section 7, over the 8-leaf reference root."""
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    signer = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    network = hashlib.sha256(b"careledger test network").digest()
    root = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    size, wall, counter = 8, 1764000000456, 1
    fields = bytes([1]) + network + struct.pack(">Q", size) + root + struct.pack(">QI", wall, counter) + signer
    context = b"CareLedger-STH-v1"
    sig = key.sign(context + fields)
    print(json.dumps({
        "description": "A CareLedger signed tree head (Specs/merkle-log.md section 7), made by Tests/Tools/make_entry_vectors.py",
        "signer_seed": SEED.hex(),
        "network_id": network.hex(),
        "tree_size": size,
        "root_hash": root.hex(),
        "wall_millis": str(wall),
        "counter": counter,
        "signer": signer.hex(),
        "signing_message_hex": (context + fields).hex(),
        "signature": sig.hex(),
        "encoded_hex": (fields + sig).hex(),
    }, indent=2))


if __name__ == "__main__":
    if sys.argv[1:] == ["--tree-head"]:
        tree_head()
    else:
        main()
