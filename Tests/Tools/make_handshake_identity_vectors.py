#!/usr/bin/env python3
"""Writes Tests/Vectors/transport-handshake-identity.json from Specs/sync-transport.md §4.4,
independently of the Swift code: the payload of handshake messages 2 and 3 is packed here
with struct and signed with the `cryptography` package's Ed25519 (deterministic, RFC 8032).
Run it only when the payload changes; the tests check the committed file and never
regenerate it.

    python3 Tests/Tools/make_handshake_identity_vectors.py > Tests/Vectors/transport-handshake-identity.json
"""
import json
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

CONTEXT = b"careledger-noise-static-key:"
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def public_x25519(seed):
    return X25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(*RAW)


def payload(identity_seed, network_id, static_key, attachment):
    """§4.4: version 1, identity key, Ed25519 over CONTEXT || network id || static key,
    attachment length u16 big-endian, attachment."""
    identity = Ed25519PrivateKey.from_private_bytes(identity_seed)
    signature = identity.sign(CONTEXT + network_id + static_key)
    return (bytes([1]) + identity.public_key().public_bytes(*RAW) + signature
            + struct.pack(">H", len(attachment)) + attachment)


def main():
    identity_seed = bytes(range(32))
    network_id = bytes([0x4E]) * 32
    static_key = public_x25519(bytes(range(32, 64)))
    other_static = public_x25519(bytes(range(64, 96)))
    attachment = bytes(range(181))
    good = payload(identity_seed, network_id, static_key, attachment)
    empty = payload(identity_seed, network_id, static_key, b"")
    vectors = [
        {"name": "a payload with a 181-byte attachment", "identity_seed": identity_seed.hex(),
         "network_id": network_id.hex(), "static_key": static_key.hex(), "attachment": attachment.hex(),
         "payload": good.hex(), "outcome": "binds"},
        {"name": "a payload without an attachment", "identity_seed": identity_seed.hex(),
         "network_id": network_id.hex(), "static_key": static_key.hex(), "attachment": "",
         "payload": empty.hex(), "outcome": "binds"},
    ]
    negative = [
        {"name": "the signature covers another static key", "network_id": network_id.hex(),
         "static_key": other_static.hex(), "payload": good.hex(), "outcome": "does_not_bind"},
        {"name": "the signature is for another network", "network_id": (bytes([0x4F]) * 32).hex(),
         "static_key": static_key.hex(), "payload": good.hex(), "outcome": "does_not_bind"},
        {"name": "a flipped signature bit", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": (good[:40] + bytes([good[40] ^ 1]) + good[41:]).hex(), "outcome": "does_not_bind"},
        {"name": "version 2", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": (bytes([2]) + good[1:]).hex(), "outcome": "handshake_failed"},
        {"name": "one byte short of its attachment", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": good[:-1].hex(), "outcome": "handshake_failed"},
        {"name": "a trailing byte", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": (good + b"\x00").hex(), "outcome": "handshake_failed"},
        {"name": "an attachment over 1,024 bytes", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": (empty[:97] + struct.pack(">H", 1025) + bytes(1025)).hex(), "outcome": "handshake_failed"},
        {"name": "shorter than the fixed part", "network_id": network_id.hex(), "static_key": static_key.hex(),
         "payload": good[:98].hex(), "outcome": "handshake_failed"},
    ]
    print(json.dumps({"spec": "Specs/sync-transport.md §4.4", "context": CONTEXT.decode(),
                      "vectors": vectors, "negative": negative}, indent=1))


if __name__ == "__main__":
    main()
