#!/usr/bin/env python3
"""Writes Tests/Vectors/static-log.json: the test vectors of Specs/static-log.md, computed
from the C2SP texts by the independent verifier's functions (Tests/Tools/tlog_verify.py),
never by CareLedger's Swift code.

- `checkpoint`: a checkpoint signed with a fixed Ed25519 seed (Ed25519 is deterministic, so
  the note's bytes are exact), its key ID and verifier key;
- `tiles`: the files of a 300-leaf log whose leaf i is the ASCII text `leaf-<i>`, each with
  the SHA-256 of its bytes, and the root;
- `sizes`: the tiles tlog-tiles lists for a tree of 70,000 leaves, and its root;
- `cosignature`: a tlog-cosignature (Ed25519, type 0x04) of that checkpoint by a fixed witness key;
- `note_example`: signed-note's own example (its verifier key and note), unchanged.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(__file__))
import tlog_verify as t  # noqa: E402


def leaves(n):
    return [f"leaf-{i}".encode() for i in range(n)]


def files_of(entries):
    hashes = [t.leaf_hash(e) for e in entries]
    out = []
    size = len(entries)
    for index in range((size + 255) // 256):
        chunk = entries[index * 256:(index + 1) * 256]
        data = b"".join(len(e).to_bytes(2, "big") + e for e in chunk)
        out.append((t.bundle_path(index, len(chunk)), data))
    level, current = 0, hashes
    while current:
        for index in range((len(current) + 255) // 256):
            chunk = current[index * 256:(index + 1) * 256]
            out.append((t.tile_path(level, index, len(chunk)), b"".join(chunk)))
        current = [t.mth(current, i * 256, (i + 1) * 256) for i in range(len(current) // 256)]
        level += 1
    return out, t.mth(hashes, 0, size)


def main():
    seed = bytes(range(1, 33))
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    network = hashlib.sha256(b"static-log vector network").digest()
    origin = f"careledger.invalid/{network.hex()}/{public.hex()}"
    entries = leaves(300)
    files, root = files_of(entries)
    text = f"{origin}\n300\n{base64.b64encode(root).decode()}\n".encode()
    key_id = t.key_id(origin, 0x01, public)
    signature = private.sign(text)
    note = text + f"\n\u2014 {origin} {base64.b64encode(key_id + signature).decode()}\n".encode()
    key_material = base64.b64encode(bytes([0x01]) + public).decode()
    vkey = f"{origin}+{key_id.hex()}+{key_material}"

    # A cosignature (c2sp.org/tlog-cosignature, Ed25519, type 0x04) of that checkpoint.
    witness_seed = bytes(range(33, 65))
    witness = Ed25519PrivateKey.from_private_bytes(witness_seed)
    witness_public = witness.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    witness_name = "witness.example/w1"
    timestamp = 1_764_900_000
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text
    witness_id = t.key_id(witness_name, 0x04, witness_public)
    blob = witness_id + timestamp.to_bytes(8, "big") + witness.sign(message)
    cosignature_line = f"\u2014 {witness_name} {base64.b64encode(blob).decode()}"

    big = [t.leaf_hash(e) for e in leaves(70000)]
    vectors = {
        "checkpoint": {
            "seed": seed.hex(), "public_key": public.hex(), "network_id": network.hex(), "origin": origin,
            "tree_size": 300, "root_hash": root.hex(), "key_id": key_id.hex(), "verifier_key": vkey,
            "note": note.decode(),
        },
        "cosignature": {
            "seed": witness_seed.hex(), "public_key": witness_public.hex(), "name": witness_name,
            "timestamp": timestamp, "key_id": witness_id.hex(), "line": cosignature_line,
        },
        "tiles": {
            "leaf_data": "leaf-<i>", "tree_size": 300, "root_hash": root.hex(),
            "files": [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in files],
        },
        "sizes": {
            "tree_size": 70000, "root_hash": t.mth(big, 0, 70000).hex(),
            "hash_tiles": [
                {"level": 0, "full": 273, "partial_width": 112},
                {"level": 1, "full": 1, "partial_width": 17},
                {"level": 2, "full": 0, "partial_width": 1},
            ],
        },
        "note_example": {
            "verifier_key": "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "note": "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
        },
    }
    path = os.path.join(os.path.dirname(__file__), "..", "Vectors", "static-log.json")
    with open(path, "w") as handle:
        json.dump(vectors, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


if __name__ == "__main__":
    main()
