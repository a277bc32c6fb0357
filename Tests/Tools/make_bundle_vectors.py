#!/usr/bin/env python3
"""Writes Tests/Vectors/bundle-vectors.json from Specs/bundle-format.md, independently of
the Swift code: the bundle is packed here with struct, its content key wrapped with HPKE
(RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305) built
from the `cryptography` package's X25519, HMAC and ChaCha20Poly1305, signed with its
Ed25519, and its payload's sync frames packed by make_sync_message_vectors.py. HPKE
encapsulation is randomised in a real writer; here the ephemeral key, the content key, the
nonce and the creation time are fixed so the file is reproducible. The Swift test opens
the bundle with the recipient's keys and checks its items, summary root and tree head.

    python3 Tests/Tools/make_bundle_vectors.py > Tests/Vectors/bundle-vectors.json
    python3 Tests/Tools/make_bundle_vectors.py --open Tests/Vectors/bundle-vectors.json
        (opens the vector's bundle with the recipient's keys and prints its items: a check
        that needs none of the Swift code)
"""
import hashlib
import hmac
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sync_message_vectors import ITEMS, STEP, SUMMARY, frame, reports, summary_body, varint  # noqa: E402

MAGIC = b"\x89CLBND\r\n"
INFO = b"careledger bundle v1"
SIGNING_DOMAIN = b"careledger bundle v1 signature"

# --- HPKE, RFC 9180 §4, §5.1 (base mode) -----------------------------------------------

KEM_SUITE = b"KEM" + struct.pack(">H", 0x0020)
HPKE_SUITE = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0003)


def labeled_extract(suite, salt, label, ikm):
    return hmac.new(salt, b"HPKE-v1" + suite + label + ikm, hashlib.sha256).digest()


def labeled_expand(suite, prk, label, info, length):
    labeled = struct.pack(">H", length) + b"HPKE-v1" + suite + label + info
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + labeled + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def raw(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_schedule(shared_secret):
    psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", INFO)
    context = b"\x00" + psk_id_hash + info_hash
    secret = labeled_extract(HPKE_SUITE, shared_secret, b"secret", b"")
    return (labeled_expand(HPKE_SUITE, secret, b"key", context, 32),
            labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12))


def shared_secret(dh, enc, recipient_public):
    prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    return labeled_expand(KEM_SUITE, prk, b"shared_secret", enc + recipient_public, 32)


def hpke_seal(recipient_public, ephemeral_private, aad, plaintext):
    enc = raw(ephemeral_private.public_key())
    dh = ephemeral_private.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key, nonce = key_schedule(shared_secret(dh, enc, recipient_public))
    return enc, ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)


def hpke_open(recipient_private, enc, aad, ciphertext):
    dh = recipient_private.exchange(X25519PublicKey.from_public_bytes(enc))
    key, nonce = key_schedule(shared_secret(dh, enc, raw(recipient_private.public_key())))
    return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, aad)


# --- the bundle, §2-§5 -----------------------------------------------------------------

def hint(nonce, site_key):
    return hashlib.sha256(b"\x10" + nonce + site_key).digest()[:8]


def write_bundle(sender, created, nonce, recipients, content_key, tree_head, items):
    """recipients: [(site key, X25519 public key, ephemeral private key)]; codec 0 (stored)."""
    ids = [item_id for item_id, _ in items]
    payload = struct.pack(">I", len(tree_head)) + tree_head
    payload += frame(SUMMARY, summary_body(ids, nonce, max(32, len(ids) // 4096)))
    payload += frame(ITEMS, varint(len(items)) + b"".join(i + varint(len(b)) + b for i, b in items))
    payload += frame(STEP, reports([]))
    header = MAGIC + struct.pack(">HBB", 1, 0, 0) + raw(sender.public_key())
    header += struct.pack(">QI", created[0], created[1]) + nonce  # the key AAD: bytes [0, 72)
    wrapped = b""
    for site_key, agreement_public, ephemeral in recipients:
        enc, sealed_key = hpke_seal(agreement_public, ephemeral, header, content_key)
        wrapped += hint(nonce, site_key) + enc + sealed_key
    sizes = struct.pack(">QQ", len(payload), len(payload) + 16)
    aad = header + struct.pack(">H", len(recipients)) + wrapped + sizes
    body = aad + ChaCha20Poly1305(content_key).encrypt(bytes(12), payload, aad)
    body += sender.sign(SIGNING_DOMAIN + hashlib.sha256(body).digest())
    return body + hashlib.sha256(body).digest()


def open_bundle(data, site_key, agreement_private):
    """Checks the checksum and signature, finds our recipient entry, decrypts; returns
    (sender key, tree head, messages as (type, body))."""
    if data[:8] != MAGIC or struct.unpack_from(">H", data, 8)[0] != 1 or data[10] != 0:
        raise ValueError("not a version-1 stored bundle")
    if hashlib.sha256(data[:-32]).digest() != data[-32:]:
        raise ValueError("bundle.checksum")
    sender = data[12:44]
    nonce = data[56:72]
    count = struct.unpack_from(">H", data, 72)[0]
    end_of_sizes = 90 + 88 * count
    declared, length = struct.unpack_from(">QQ", data, 74 + 88 * count)
    signed = data[:end_of_sizes + length]
    Ed25519PublicKey.from_public_bytes(sender).verify(data[end_of_sizes + length:-32],
                                                      SIGNING_DOMAIN + hashlib.sha256(signed).digest())
    entries = [data[74 + 88 * i:162 + 88 * i] for i in range(count)]
    mine = [e for e in entries if e[:8] == hint(nonce, site_key)]
    if not mine:
        raise ValueError("bundle.wrong-recipient")
    content_key = hpke_open(agreement_private, mine[0][8:40], data[:72], mine[0][40:88])
    payload = ChaCha20Poly1305(content_key).decrypt(bytes(12), data[end_of_sizes:end_of_sizes + length],
                                                   data[:end_of_sizes])
    if len(payload) != declared:
        raise ValueError("declared size")
    head_length = struct.unpack_from(">I", payload, 0)[0]
    tree_head = payload[4:4 + head_length]
    at, messages = 4 + head_length, []
    while at < len(payload):
        kind, body_length = payload[at], struct.unpack_from(">I", payload, at + 1)[0]
        messages.append((kind, payload[at + 5:at + 5 + body_length]))
        at += 5 + body_length
    return sender, tree_head, messages


def main():
    sender = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
    site_key = raw(Ed25519PrivateKey.from_private_bytes(b"\x22" * 32).public_key())
    agreement = X25519PrivateKey.from_private_bytes(b"\x33" * 32)
    if sys.argv[1:2] == ["--open"]:
        with open(sys.argv[2]) as handle:
            vector = json.load(handle)
        got_sender, tree_head, messages = open_bundle(bytes.fromhex(vector["bundle"]), site_key, agreement)
        items, ids, at = messages[1][1], [], 1  # count < 128 and items < 128 bytes: one-byte varints
        for _ in range(items[0]):
            ids.append(items[at:at + 32].hex())
            at += 33 + items[at + 32]
        ok = (got_sender.hex() == vector["sender_key"] and tree_head == vector["tree_head"].encode()
              and [m[0] for m in messages] == [SUMMARY, ITEMS, STEP] and ids == vector["item_ids"]
              and messages[0][1][16:48].hex() == vector["summary_root"])
        print(json.dumps({"ok": ok, "tree_head": tree_head.decode(), "item_ids": ids}))
        return 0 if ok else 1
    items = sorted((hashlib.sha256(b"item-%d" % i).digest(), b"item-%d" % i) for i in range(3))  # in id order
    nonce = bytes(range(16))
    created = (1764000000000, 3)
    ephemeral = X25519PrivateKey.from_private_bytes(b"\x44" * 32)
    content_key = b"\x55" * 32
    tree_head = b"tree-head-v1"
    bundle = write_bundle(sender, created, nonce, [(site_key, raw(agreement.public_key()), ephemeral)],
                          content_key, tree_head, items)
    ids = [item_id for item_id, _ in items]
    summary = summary_body(ids, nonce, 32)
    print(json.dumps({
        "about": (
            "A version-1 bundle (Specs/bundle-format.md) from a sender whose Ed25519 private key is 32 bytes of "
            "0x11 to a recipient whose Ed25519 key is 32 bytes of 0x22 and X25519 key 32 bytes of 0x33; codec 0 "
            "(stored); items are the byte strings item-0..item-2 with id = SHA-256(bytes); created at wall "
            "1764000000000, counter 3; nonce 00..0f. Made by Tests/Tools/make_bundle_vectors.py, independently of "
            "the Swift code, with the HPKE ephemeral key fixed at 32 bytes of 0x44 and the content key at 32 "
            "bytes of 0x55 (a real writer draws both at random)."),
        "bundle": bundle.hex(),
        "item_ids": [i.hex() for i in ids],
        "recipient_agreement_private": (b"\x33" * 32).hex(),
        "recipient_site_key": site_key.hex(),
        "sender_key": raw(sender.public_key()).hex(),
        "sender_signing_private": (b"\x11" * 32).hex(),
        "summary_root": summary[16:48].hex(),
        "tree_head": tree_head.decode(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
