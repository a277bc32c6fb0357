#!/usr/bin/env python3
"""Writes the sync vectors from Specs/sync-protocol.md, independently of the Swift code:
frames are packed here by hand (§2, §4), node hashes come from the spec's Appendix A
reference and fingerprints from §3.2 with hashlib. Run it only when the protocol changes;
the tests check the committed files byte for byte and never regenerate them.

    python3 Tests/Tools/make_sync_message_vectors.py > Tests/Vectors/sync-message-vectors.json
    python3 Tests/Tools/make_sync_message_vectors.py --hashes > Tests/Vectors/sync-hash-vectors.json
"""
import hashlib
import json
import struct
import sys

HELLO, STEP, ITEMS, SUMMARY, ABORT = 1, 2, 3, 4, 5
CHILDREN, IDS, NEED = 1, 2, 3

# --- Appendix A: the node hash of a range ------------------------------------------------

T = 32


def nib(i, d):
    return (i[d // 2] >> (4 if d % 2 == 0 else 0)) & 0xf


def node_hash(ids, depth=0):
    ids = sorted(ids)
    if len(ids) <= T or depth == 64:
        return hashlib.sha256(b'\x00' + b''.join(ids)).digest()
    groups = {}
    for i in ids:
        groups.setdefault(nib(i, depth), []).append(i)
    bitmap = sum(1 << (15 - n) for n in groups)
    kids = b''.join(node_hash(groups[n], depth + 1) for n in sorted(groups))
    return hashlib.sha256(b'\x01' + bitmap.to_bytes(2, 'big') + kids).digest()


# --- §2 encoding primitives --------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def prefix(nibbles):
    """§2.2: depth, then the nibbles high first, an odd last one padded with a zero nibble."""
    text = nibbles + ("0" if len(nibbles) % 2 else "")
    return bytes([len(nibbles)]) + bytes.fromhex(text)


def frame(kind, body):
    """§2.3: type u8, body length u32 big-endian, body."""
    return bytes([kind]) + struct.pack(">I", len(body)) + body


def u64s(values):
    return b"".join(struct.pack(">Q", v) for v in values)


def report(tag, nibbles, fields):
    return bytes([tag]) + prefix(nibbles) + fields


def reports(items):
    return varint(len(items)) + b"".join(items)


# --- §4.5 summaries ----------------------------------------------------------------------

def summary_body(ids, salt, limit):
    """A SUMMARY body: ranges holding more than `limit` ids (and above depth 64) expand."""

    def fingerprint(range_ids, depth):
        return hashlib.sha256(b"\x02" + salt + node_hash(range_ids, depth)).digest()[:16]

    def cut(range_ids, depth):
        if len(range_ids) <= limit or depth == 64:
            return b"\x01" + varint(len(range_ids)) + (fingerprint(range_ids, depth) if range_ids else b"")
        groups = {}
        for i in range_ids:
            groups.setdefault(nib(i, depth), []).append(i)
        bitmap = sum(1 << (15 - n) for n in groups)
        return b"\x02" + struct.pack(">H", bitmap) + b"".join(cut(groups[n], depth + 1) for n in sorted(groups))

    return salt + node_hash(ids) + varint(len(ids)) + cut(sorted(ids), 0)


def ids(count):
    return [hashlib.sha256(b"id-%d" % i).digest() for i in range(count)]


def deep_ids(count):
    """Ids sharing their first six nibbles (abcdef), so the trie goes deep."""
    return [bytes.fromhex("abcdef") + hashlib.sha256(b"deep-%d" % i).digest()[3:] for i in range(count)]


def messages():
    salt = bytes(range(16))
    zero_salt = bytes(16)
    item_id = hashlib.sha256(b"x").digest()
    forty = ids(40)
    positive = [
        {"name": "step-empty", "hex": frame(STEP, reports([])).hex()},
        {"name": "abort-item-rejected", "hex": frame(ABORT, struct.pack(">H", 2)).hex()},
        {"name": "hello-children", "hex": frame(HELLO, bytes([1]) + salt + reports([
            report(CHILDREN, "", struct.pack(">H", 0x8001) + u64s([0x0102030405060708, 0x1112131415161718]))])).hex()},
        {"name": "step-ids-and-need", "hex": frame(STEP, reports([
            report(IDS, "a", varint(2) + u64s([1, 2])),
            report(NEED, "abc", varint(1) + u64s([2**64 - 1]))])).hex()},
        {"name": "items-one", "hex": frame(ITEMS, varint(1) + item_id + varint(5) + b"hello").hex()},
        {"name": "summary-three-ids-limit-1", "ids": [i.hex() for i in ids(3)], "salt": zero_salt.hex(),
         "hex": frame(SUMMARY, summary_body(ids(3), zero_salt, 1)).hex()},
        {"name": "summary-forty-ids-limit-4", "ids": [i.hex() for i in forty], "salt": zero_salt.hex(), "limit": 4,
         "hex": frame(SUMMARY, summary_body(forty, zero_salt, 4)).hex()},
    ]

    def negative(name, data, code):
        return {"name": name, "hex": data.hex(), "code": code}

    negatives = [
        negative("unknown-type", frame(9, b""), "message.unknown-type"),
        negative("oversized", bytes([STEP]) + b"\xff\xff\xff\xff", "message.oversized"),
        negative("body-shorter-than-fields", frame(STEP, b"\x01\x01"), "message.truncated"),
        negative("non-minimal-varint", frame(STEP, b"\x80\x00"), "message.malformed"),
        negative("prefix-padding-not-zero", frame(STEP, varint(1) + bytes([IDS, 1, 0xa1]) + varint(0)),
                 "message.malformed"),
        negative("prefix-deeper-than-64", frame(STEP, varint(1) + bytes([IDS, 65]) + bytes(33) + varint(0)),
                 "message.malformed"),
        negative("children-with-empty-bitmap", frame(STEP, varint(1) + report(CHILDREN, "", b"\x00\x00")),
                 "message.malformed"),
        negative("short-ids-not-ascending", frame(STEP, varint(1) + report(IDS, "", varint(2) + u64s([2, 1]))),
                 "message.malformed"),
        negative("need-with-no-ids", frame(STEP, varint(1) + report(NEED, "", varint(0))), "message.malformed"),
        negative("unknown-report-tag", frame(STEP, varint(1) + report(7, "", b"")), "message.malformed"),
        negative("trailing-bytes", frame(ABORT, struct.pack(">H", 1) + b"\x00"), "message.malformed"),
        negative("hello-newer-version", frame(HELLO, bytes([2]) + salt + reports([])), "sync.unsupported-version"),
        negative("item-over-size-limit", frame(ITEMS, varint(1) + item_id + varint(2 << 20)), "message.limit"),
        negative("list-over-entry-limit", frame(STEP, varint(1) + report(IDS, "", varint(5000))), "message.limit"),
        negative("summary-counts-do-not-add-up",
                 frame(SUMMARY, zero_salt + bytes(32) + varint(2) + b"\x01" + varint(1) + bytes(16)),
                 "message.malformed"),
        negative("summary-bad-node-tag", frame(SUMMARY, zero_salt + bytes(32) + varint(0) + b"\x03"),
                 "message.malformed"),
        negative("varint-overflow", frame(STEP, b"\xff" * 10 + b"\x01"), "message.malformed"),
    ]
    return {
        "about": "Sync message frames (Specs/sync-protocol.md \u00a72-4): positive vectors decode to the named "
                 "message and re-encode byte for byte; negative ones fail with the given code. Built by an "
                 "independent Python encoder (Tests/Tools/make_sync_message_vectors.py).",
        "positive": positive,
        "negative": negatives,
    }


def hashes():
    cases = [("empty", ids(0)), ("one", ids(1)), ("three", ids(3)), ("thirty-two", ids(32)),
             ("thirty-three", ids(33)), ("five-hundred", ids(500)), ("forty-sharing-six-nibbles", deep_ids(40))]
    return {
        "about": "Root hashes of the reconcilable set (Specs/sync-protocol.md \u00a73.2), computed by the "
                 "independent Python reference in the spec appendix (Tests/Tools/make_sync_message_vectors.py "
                 "--hashes). ids are SHA-256(\"id-<i>\"); the forty sharing six nibbles are abcdef followed by "
                 "bytes 3..32 of SHA-256(\"deep-<i>\").",
        "cases": [{"name": name, "ids": [i.hex() for i in case], "root": node_hash(case).hex()}
                  for name, case in cases],
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(hashes() if "--hashes" in sys.argv[1:] else messages(), indent=1))
