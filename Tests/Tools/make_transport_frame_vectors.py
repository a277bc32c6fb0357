#!/usr/bin/env python3
"""Writes Tests/Vectors/transport-frames.json from Specs/sync-transport.md (§3 frames, §5
records), independently of the Swift code: frames are packed here with struct, records
sealed with the `cryptography` package's ChaCha20Poly1305 and the handshake key made with
its X25519. Run it only when the transport changes; the tests check the committed file
and never regenerate it.

    python3 Tests/Tools/make_transport_frame_vectors.py > Tests/Vectors/transport-frames.json
"""
import json
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

HANDSHAKE, ABORT, DATA = 1, 2, 3
PART, END, CLOSE = 0, 1, 2
MAXIMUM_FRAME_LENGTH = 65536
KEY = bytes(range(32))


def frame(kind, body):
    """§3: length u32 big-endian (kind + body), kind, body."""
    return struct.pack(">I", 1 + len(body)) + bytes([kind]) + body


def seal(nonce, plaintext):
    """§5: a DATA frame of one record; the nonce is 4 zero bytes then the counter u64 LE."""
    return frame(DATA, ChaCha20Poly1305(KEY).encrypt(bytes(4) + struct.pack("<Q", nonce), plaintext, b""))


def main():
    ephemeral = X25519PrivateKey.from_private_bytes(bytes(range(32, 64))).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    frames = [
        ("handshake message 1 (32-byte ephemeral key)", HANDSHAKE, ephemeral),
        ("abort busy", ABORT, struct.pack(">H", 2)),
        ("abort not authorized", ABORT, struct.pack(">H", 1)),
        ("empty-bodied handshake frame", HANDSHAKE, b""),
    ]
    hello = seal(0, bytes([END]) + b"hello")
    flipped = bytearray(hello)
    flipped[6] ^= 0x01  # the second ciphertext byte
    out = {
        "description": (
            "Transport frame and record vectors (Specs/sync-transport.md \u00a73, \u00a75, \u00a710). Record "
            "ciphertexts were computed with Python's cryptography ChaCha20Poly1305, independently of the Swift "
            "code (Tests/Tools/make_transport_frame_vectors.py): key = 000102..1f, nonce = 4 zero bytes || "
            "counter u64 LE, empty associated data."),
        "maximum_frame_length": MAXIMUM_FRAME_LENGTH,
        "record_key": KEY.hex(),
        "frames": [{"name": name, "kind": kind, "body": body.hex(), "wire": frame(kind, body).hex()}
                   for name, kind, body in frames],
        "records": [
            {"name": "a whole message 'hello' at nonce 0", "nonce": 0, "message": b"hello".hex(), "wire": hello.hex()},
            {"name": "an empty message at nonce 1", "nonce": 1, "message": "", "wire": seal(1, bytes([END])).hex()},
            {"name": "CLOSE finished at nonce 2", "nonce": 2, "close_code": 0,
             "wire": seal(2, bytes([CLOSE]) + struct.pack(">H", 0)).hex()},
            {"name": "CLOSE not authorized at nonce 0", "nonce": 0, "close_code": 1,
             "wire": seal(0, bytes([CLOSE]) + struct.pack(">H", 1)).hex()},
        ],
        "negative_frames": [
            {"name": "length prefix one over the maximum",
             "wire": (struct.pack(">I", MAXIMUM_FRAME_LENGTH + 1) + b"\x01").hex(), "error": "frame_too_large"},
            {"name": "length prefix of 4 GiB - 1", "wire": "ffffffff01", "error": "frame_too_large"},
            {"name": "zero length", "wire": "00000000", "error": "malformed_frame"},
            {"name": "unknown kind 0x00", "wire": frame(0x00, b"").hex(), "error": "malformed_frame"},
            {"name": "unknown kind 0x09", "wire": frame(0x09, b"\x00").hex(), "error": "malformed_frame"},
            {"name": "HTTP request line as garbage", "wire": b"GET / HTTP/1.1\r\n".hex(), "error": "frame_too_large"},
        ],
        "negative_records": [
            {"name": "one flipped ciphertext bit", "nonce": 0, "wire": bytes(flipped).hex(), "error": "decryption_failed"},
            {"name": "right record at the wrong nonce (replay or reorder)", "nonce": 1, "wire": hello.hex(),
             "error": "decryption_failed"},
            {"name": "unknown record type 0x07", "nonce": 0, "wire": seal(0, b"\x07x").hex(), "error": "malformed_frame"},
            {"name": "CLOSE with a 3-byte code", "nonce": 0, "wire": seal(0, bytes([CLOSE]) + bytes(3)).hex(),
             "error": "malformed_frame"},
            {"name": "shorter than the tag", "nonce": 0, "wire": frame(DATA, b"\x01" * 15).hex(),
             "error": "decryption_failed"},
        ],
    }
    sys.stdout.write(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
