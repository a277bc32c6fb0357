#!/usr/bin/env python3
"""An independent RFC 9162 Merkle proof checker, written from the RFC's text.

It shares no code with CareLedger's Swift implementation: the tree hash follows the
recursive definition of RFC 9162 section 2.1.1, proofs are regenerated from the PATH and
SUBPROOF definitions (2.1.3.1, 2.1.4.1), and given proofs are checked with the verification
algorithms of 2.1.3.2 and 2.1.4.2, step by step.

Usage:
    rfc9162_verify.py CASES.json      check the cases a test wrote (see below)
    rfc9162_verify.py --vectors FILE  check a reference vector file (merkle-rfc6962.json)

CASES.json: {"leaf_hashes": [hex...] (optional),
             "roots": [{"tree_size": n, "root_hash": hex}],
             "inclusion": [{"leaf_index", "tree_size", "leaf_hash", "root_hash", "audit_path": [hex], "expect_valid"}],
             "consistency": [{"first_size", "second_size", "first_root", "second_root", "proof": [hex], "expect_valid"}]}
Prints one JSON line {"ok": bool, "checked": n, "failures": [...]} and exits 0 only if ok.
"""
import hashlib
import json
import sys


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    # RFC 9162 2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)).
    return sha256(b"\x00" + data)


def node_hash(left, right):
    # RFC 9162 2.1.1: SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
    return sha256(b"\x01" + left + right)


def largest_power_of_two_below(n):
    # "k be the largest power of two smaller than n (i.e., k < n <= 2k)".
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes):
    """MTH over a list of leaf hashes (the leaves already hashed with 0x00)."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def path(m, hashes):
    """PATH(m, D[n]) of RFC 9162 2.1.3.1."""
    n = len(hashes)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return path(m, hashes[:k]) + [mth(hashes[k:])]
    return path(m - k, hashes[k:]) + [mth(hashes[:k])]


def subproof(m, hashes, b):
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1."""
    n = len(hashes)
    if m == n:
        return [] if b else [mth(hashes)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return subproof(m, hashes[:k], b) + [mth(hashes[k:])]
    return subproof(m - k, hashes[k:], False) + [mth(hashes[:k])]


def verify_inclusion(leaf_index, tree_size, h, inclusion_path, root_hash):
    """RFC 9162 2.1.3.2."""
    # 1. Compare leaf_index against tree_size. If leaf_index >= tree_size, fail.
    if leaf_index >= tree_size:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = leaf_index, tree_size - 1
    # 3. Set r to hash.
    r = h
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, r)
            # ii. If LSB(fn) is not set, then right-shift both fn and sn equally
            #     until either LSB(fn) is set or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # Otherwise: i. Set r to HASH(0x01 || r || p).
            r = node_hash(r, p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0. Compare r against the root_hash.
    return sn == 0 and r == root_hash


def verify_consistency(first, second, first_hash, second_hash, consistency_path):
    """RFC 9162 2.1.4.2, plus the degenerate sizes RFC 9162 leaves to the caller:
    first == second needs an empty path and equal hashes; first == 0 needs an empty path and
    first_hash equal to the empty-tree hash."""
    if first > second:
        return False
    if first == 0:
        return len(consistency_path) == 0 and first_hash == sha256(b"")
    if first == second:
        return len(consistency_path) == 0 and first_hash == second_hash
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if len(consistency_path) == 0:
        return False
    # 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
    nodes = list(consistency_path)
    if first & (first - 1) == 0:
        nodes = [first_hash] + nodes
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = nodes[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in nodes[1:]:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn & 1 or fn == sn:
            # i. Set fr to HASH(0x01 || c || fr). ii. Set sr to HASH(0x01 || c || sr).
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # iii. If LSB(fn) is not set, then right-shift both fn and sn equally until
            #      either LSB(fn) is set or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # Otherwise: i. Set sr to HASH(0x01 || sr || c).
            sr = node_hash(sr, c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. Verify fr == first_hash, sr == second_hash, and sn == 0.
    return fr == first_hash and sr == second_hash and sn == 0


def unhex(s):
    return bytes.fromhex(s)


def check_cases(doc):
    failures = []
    checked = 0
    leaves = [unhex(h) for h in doc.get("leaf_hashes", [])]
    for item in doc.get("roots", []):
        n = item["tree_size"]
        checked += 1
        if leaves and n <= len(leaves) and mth(leaves[:n]) != unhex(item["root_hash"]):
            failures.append("root of size %d differs from MTH" % n)
    for item in doc.get("inclusion", []):
        checked += 1
        i, n = item["leaf_index"], item["tree_size"]
        proof = [unhex(h) for h in item["audit_path"]]
        got = verify_inclusion(i, n, unhex(item["leaf_hash"]), proof, unhex(item["root_hash"]))
        if got != item.get("expect_valid", True):
            failures.append("inclusion %d/%d verified=%s, expected %s" % (i, n, got, not got))
        if item.get("expect_valid", True) and leaves and n <= len(leaves) and path(i, leaves[:n]) != proof:
            failures.append("inclusion %d/%d differs from PATH(m, D[n])" % (i, n))
    for item in doc.get("consistency", []):
        checked += 1
        m, n = item["first_size"], item["second_size"]
        proof = [unhex(h) for h in item["proof"]]
        got = verify_consistency(m, n, unhex(item["first_root"]), unhex(item["second_root"]), proof)
        if got != item.get("expect_valid", True):
            failures.append("consistency %d->%d verified=%s, expected %s" % (m, n, got, not got))
        if item.get("expect_valid", True) and leaves and 0 < m < n <= len(leaves) \
                and subproof(m, leaves[:n], True) != proof:
            failures.append("consistency %d->%d differs from PROOF(m, D[n])" % (m, n))
    return checked, failures


def check_vectors(doc):
    """The published reference tree: roots, and proofs both regenerated and verified."""
    leaves = [leaf_hash(unhex(h)) for h in doc["leaves_hex"]]
    roots = [unhex(h) for h in doc["roots"]]
    failures = []
    checked = 0
    for n in range(len(leaves) + 1):
        checked += 1
        if mth(leaves[:n]) != roots[n]:
            failures.append("reference root %d" % n)
    for item in doc["inclusion"]:
        checked += 1
        i, n = item["leaf_index"], item["tree_size"]
        proof = [unhex(h) for h in item["audit_path"]]
        if path(i, leaves[:n]) != proof or not verify_inclusion(i, n, leaves[i], proof, roots[n]):
            failures.append("reference inclusion %d/%d" % (i, n))
    for item in doc["consistency"]:
        checked += 1
        m, n = item["first_size"], item["second_size"]
        proof = [unhex(h) for h in item["proof"]]
        regenerated = subproof(m, leaves[:n], True) if 0 < m < n else []
        if regenerated != proof or not verify_consistency(m, n, roots[m], roots[n], proof):
            failures.append("reference consistency %d->%d" % (m, n))
    return checked, failures


def main(argv):
    if len(argv) == 3 and argv[1] == "--vectors":
        with open(argv[2]) as f:
            checked, failures = check_vectors(json.load(f))
    elif len(argv) == 2:
        with open(argv[1]) as f:
            checked, failures = check_cases(json.load(f))
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps({"ok": not failures, "checked": checked, "failures": failures[:20]}))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
