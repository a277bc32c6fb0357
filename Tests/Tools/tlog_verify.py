#!/usr/bin/env python3
"""An independent verifier of a tiled transparency log (C2SP tlog-tiles, tlog-checkpoint,
signed-note), written from those texts alone; it shares no code with CareLedger's Swift side.

usage: tlog_verify.py SOURCE --key KEY [--previous CHECKPOINT_FILE] [--checkpoint FILE] [--witness VKEY]...

SOURCE is the log's prefix: an http(s) URL or a directory. KEY is the log's note verifier
key (`name+hexkeyid+base64(0x01 || public key)`) or its raw Ed25519 public key (64 hex
digits or base64 of 32 bytes; the key name is then the checkpoint's origin line).

It checks the checkpoint's Ed25519 signature, reads every entry bundle the tree size
requires, hashes each entry as an RFC 6962 leaf, recomputes every full and partial hash
tile from those leaves level by level and compares each with the tile served, and checks
the root hash of the leaves against the checkpoint. With --previous it checks that the
older checkpoint (same key) describes a prefix of this tree: its root is recomputed from
the new leaves and from the new tiles. With --checkpoint it checks that file rather than the
served one, and with --witness it requires a valid tlog-cosignature (Ed25519, type 0x04) by
each given cosigner. Exit 0: valid; 1: invalid (one line says why); 2: usage.
"""
import argparse
import base64
import binascii
import gzip
import hashlib
import os
import sys
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TILE_WIDTH = 256
EM_DASH = "\u2014"


class Invalid(Exception):
    """The log does not verify."""


# --- fetching -----------------------------------------------------------------------------

class Source:
    def __init__(self, location):
        self.location = location.rstrip("/")
        self.remote = location.startswith("http://") or location.startswith("https://")
        self.fetched = 0
        self.bytes = 0

    def get(self, path):
        """The resource at <prefix>/<path>, or None when it is not there."""
        self.fetched += 1
        if not self.remote:
            try:
                with open(os.path.join(self.location, path), "rb") as handle:
                    data = handle.read()
            except FileNotFoundError:
                return None
        else:
            request = urllib.request.Request(self.location + "/" + path,
                                             headers={"Accept-Encoding": "gzip, identity"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    data = response.read()
                    if response.headers.get("Content-Encoding", "identity") == "gzip":
                        data = gzip.decompress(data)
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return None
                raise Invalid(f"GET {path}: HTTP {error.code}")
            except urllib.error.URLError as error:
                raise Invalid(f"GET {path}: {error.reason}")
        self.bytes += len(data)
        return data

    def need(self, path):
        data = self.get(path)
        if data is None:
            raise Invalid(f"{path} is missing")
        return data

    def need_tile(self, path, width):
        """A tile or bundle of `width` items; a partial one that is gone is read from the full
        one at the same index (tlog-tiles allows logs to delete superseded partial tiles).
        Returns (bytes, whether the full tile was used)."""
        data = self.get(path)
        if data is not None or width == TILE_WIDTH:
            if data is None:
                raise Invalid(f"{path} is missing")
            return data, False
        full = self.get(path.split(".p/")[0])
        if full is None:
            raise Invalid(f"{path} is missing, and so is the full tile")
        return full, True


# --- signed notes (c2sp.org/signed-note) --------------------------------------------------

def key_id(name, sig_type, public_key):
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


class NoteKey:
    def __init__(self, name, public_key):
        if not name or any(c.isspace() or c == "+" for c in name):
            raise ValueError(f"invalid key name {name!r}")
        if len(public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        self.name = name
        self.public_key = public_key
        self.id = key_id(name, 0x01, public_key)

    @staticmethod
    def parse_vkey(text):
        parts = text.split("+", 2)
        if len(parts) != 3 or len(parts[1]) != 8:
            raise ValueError("a verifier key is name+hexkeyid+base64key")
        material = base64.b64decode(parts[2], validate=True)
        if len(material) != 33 or material[0] != 0x01:
            raise ValueError("not an Ed25519 (type 0x01) verifier key")
        key = NoteKey(parts[0], material[1:])
        if key.id != bytes.fromhex(parts[1]):
            raise ValueError("the verifier key's ID does not match its name and key")
        return key


def parse_raw_key(text):
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 public key is 32 bytes")
    return raw


def open_note(note, key_for_origin):
    """Verifies a signed note; returns its text (with final newline). `key_for_origin` maps
    the note's first line to the NoteKey to check."""
    try:
        text_all = note.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the checkpoint is not UTF-8")
    if any(ord(c) < 0x20 and c != "\n" for c in text_all):
        raise Invalid("the checkpoint holds an ASCII control character other than newline")
    if not text_all.endswith("\n"):
        raise Invalid("the checkpoint does not end in a newline")
    cut = text_all.rfind("\n\n")
    if cut < 0:
        raise Invalid("the checkpoint has no blank line before its signatures")
    text = text_all[:cut + 1]
    key = key_for_origin(text.split("\n", 1)[0])
    verified = False
    for line in text_all[cut + 2:].split("\n")[:-1]:
        fields = line.split(" ")
        if len(fields) != 3 or fields[0] != EM_DASH:
            raise Invalid(f"malformed signature line {line!r}")
        try:
            blob = base64.b64decode(fields[2], validate=True)
        except binascii.Error:
            raise Invalid("a signature is not base64")
        if len(blob) < 4:
            raise Invalid("a signature is shorter than its key ID")
        if fields[1] != key.name or blob[:4] != key.id:
            continue  # an unknown key's signature is ignored
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[4:], text.encode())
        except InvalidSignature:
            raise Invalid(f"the signature by {key.name} does not verify")
        verified = True
    if not verified:
        raise Invalid(f"no signature by {key.name}+{key.id.hex()}")
    return text


def cosignature_timestamp(note, vkey):
    """The timestamp of a valid tlog-cosignature (Ed25519, type 0x04) by the cosigner `vkey`
    (name+hexid+base64(0x04 || key)) in the note, or None when it carries none."""
    parts = vkey.split("+", 2)
    material = base64.b64decode(parts[2], validate=True) if len(parts) == 3 else b""
    if len(material) != 33 or material[0] != 0x04:
        raise ValueError(f"not a cosigner verifier key (type 0x04): {vkey}")
    name, public_key = parts[0], material[1:]
    if key_id(name, 0x04, public_key) != bytes.fromhex(parts[1]):
        raise ValueError("the cosigner key's ID does not match its name and key")
    text_all = note.decode("utf-8")
    cut = text_all.rfind("\n\n")
    text = text_all[:cut + 1]
    for line in text_all[cut + 2:].split("\n")[:-1]:
        fields = line.split(" ")
        if len(fields) != 3 or fields[1] != name:
            continue
        blob = base64.b64decode(fields[2], validate=True)
        if len(blob) != 76 or blob[:4] != key_id(name, 0x04, public_key):
            continue
        timestamp = int.from_bytes(blob[4:12], "big")
        message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(blob[12:], message)
        except InvalidSignature:
            raise Invalid(f"the cosignature by {name} does not verify")
        return timestamp
    return None


def parse_checkpoint(note, key_arg):
    """(origin, size, root) of a checkpoint (c2sp.org/tlog-checkpoint) signed by the key."""
    def key_for(origin):
        if key_arg.count("+") >= 2:
            key = NoteKey.parse_vkey(key_arg)
            if key.name != origin:
                print(f"note: the key name {key.name} is not the origin {origin}", file=sys.stderr)
            return key
        return NoteKey(origin, parse_raw_key(key_arg))
    lines = open_note(note, key_for).split("\n")[:-1]
    if len(lines) < 3 or any(line == "" for line in lines):
        raise Invalid("the checkpoint body is not three or more non-empty lines")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise Invalid(f"the tree size {size_text!r} is not a decimal number without leading zeroes")
    root = base64.b64decode(root_text, validate=True)
    if len(root) != 32:
        raise Invalid("the root hash is not 32 bytes")
    return origin, int(size_text), root


# --- Merkle trees (RFC 6962 §2.1) ---------------------------------------------------------

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes, start, end):
    """MTH of the leaves whose leaf hashes are hashes[start:end]."""
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[start]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(hashes, start, start + k), mth(hashes, start + k, end))


# --- tiles (c2sp.org/tlog-tiles) ----------------------------------------------------------

def encode_index(n):
    groups = []
    while True:
        groups.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(("x%03d" if i < len(groups) - 1 else "%03d") % g for i, g in enumerate(groups))


def tile_path(level, index, width):
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


def bundle_path(index, width):
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{encode_index(index)}{suffix}"


def read_leaves(source, size):
    """The leaf hashes of the tree, from its entry bundles."""
    leaves = []
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - index * TILE_WIDTH)
        path = bundle_path(index, width)
        data, from_full = source.need_tile(path, width)
        offset, count = 0, 0
        while offset < len(data) and not (from_full and count == width):
            if offset + 2 > len(data):
                raise Invalid(f"{path}: a length prefix is cut off at byte {offset}")
            length = int.from_bytes(data[offset:offset + 2], "big")
            offset += 2
            if offset + length > len(data):
                raise Invalid(f"{path}: entry {count} runs past the end of the bundle")
            leaves.append(leaf_hash(data[offset:offset + length]))
            offset += length
            count += 1
        if count != width:
            raise Invalid(f"{path} holds {count} entries, not {width}")
    return leaves


def check_tiles(source, leaves):
    """Recomputes every tile from the leaves, compares each with the one served; returns the
    hashes of every level (level L: roots of consecutive 256**L-leaf subtrees)."""
    levels = [leaves]
    checked = 0
    level = 0
    while levels[level]:
        hashes = levels[level]
        for index in range((len(hashes) + TILE_WIDTH - 1) // TILE_WIDTH):
            chunk = hashes[index * TILE_WIDTH:(index + 1) * TILE_WIDTH]
            path = tile_path(level, index, len(chunk))
            data, from_full = source.need_tile(path, len(chunk))
            if (data[:32 * len(chunk)] if from_full else data) != b"".join(chunk):
                raise Invalid(f"{path} does not hold the hashes recomputed from the entry bundles")
            checked += 1
        levels.append([mth(hashes, i * TILE_WIDTH, (i + 1) * TILE_WIDTH)
                       for i in range(len(hashes) // TILE_WIDTH)])
        level += 1
    return levels, checked


def root_from_tiles(levels, size):
    """The root at `size` from tile hashes: each level's partial-tile hashes for that size,
    split into perfect subtrees (binary decomposition), folded right to left."""
    subtrees = []
    for level in reversed(range(len(levels))):
        first = (size >> (8 * (level + 1))) << 8
        last = size >> (8 * level)
        hashes = levels[level][first:last]
        start = 0
        while start < len(hashes):
            group = 1 << ((len(hashes) - start).bit_length() - 1)
            subtrees.append(mth(hashes, start, start + group))
            start += group
    if not subtrees:
        return hashlib.sha256(b"").digest()
    root = subtrees.pop()
    while subtrees:
        root = node_hash(subtrees.pop(), root)
    return root


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", help="the log's prefix: an http(s) URL or a directory")
    parser.add_argument("--key", required=True, help="note verifier key, or raw Ed25519 public key (hex or base64)")
    parser.add_argument("--previous", help="an earlier checkpoint file of the same log, to check consistency with")
    parser.add_argument("--checkpoint", help="check this checkpoint file instead of the one the source serves")
    parser.add_argument("--witness", action="append", default=[],
                        help="a cosigner verifier key (type 0x04) whose cosignature the checkpoint must carry (repeatable)")
    args = parser.parse_args()
    source = Source(args.source)
    try:
        if args.checkpoint:
            with open(args.checkpoint, "rb") as handle:
                note = handle.read()
        else:
            note = source.need("checkpoint")
        origin, size, root = parse_checkpoint(note, args.key)
        for witness in args.witness:
            if cosignature_timestamp(note, witness) is None:
                raise Invalid(f"no cosignature by {witness.split('+')[0]}")
        leaves = read_leaves(source, size)
        if mth(leaves, 0, size) != root:
            raise Invalid(f"the entries' Merkle root is not the checkpoint's root at size {size}")
        levels, checked = check_tiles(source, leaves)
        if root_from_tiles(levels, size) != root:
            raise Invalid("the root folded from the tiles is not the checkpoint's root")
        message = f"OK: {origin} tree size {size}, root {base64.b64encode(root).decode()}; " \
                  f"{(size + 255) // 256} entry bundles and {checked} tiles checked"
        if args.witness:
            message += f"; cosigned by {len(args.witness)} witness(es)"
        if args.previous:
            with open(args.previous, "rb") as handle:
                old_origin, old_size, old_root = parse_checkpoint(handle.read(), args.key)
            if old_origin != origin:
                raise Invalid(f"the previous checkpoint's origin {old_origin} is not {origin}")
            if old_size > size:
                raise Invalid(f"the previous checkpoint (size {old_size}) is larger than this one ({size}): a rollback")
            if mth(leaves, 0, old_size) != old_root:
                raise Invalid(f"inconsistent: the previous root at size {old_size} is not the root of this tree's first {old_size} leaves")
            if root_from_tiles(levels, old_size) != old_root:
                raise Invalid(f"inconsistent: the previous root at size {old_size} does not fold from this tree's tiles")
            message += f"; consistent with the previous checkpoint at size {old_size}"
        print(message)
        return 0
    except Invalid as error:
        print(f"FAIL: {error}")
        return 1
    except ValueError as error:
        print(f"usage: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
