#!/usr/bin/env python3
"""An independent reader of CareLedger segment files (Specs/segment-format.md, version 1).

Written from the spec alone and sharing no code with the Swift implementation: it decodes
the segment header (§4), every block header and LZ4 data frame (§5) with the XXH64 block
checksums (§3), the index and tail of sealed segments (§6), and runs the block scan of
recovery (§8 step 4) on an active segment without writing anything. Pure Python
(lz4_xxhash.py beside it), nothing to install.

    segment_reader.py FILE...            decode segment files; print a JSON report
    segment_reader.py --dir FOLDER       decode a data folder's segments in number order
    segment_reader.py --vector FILE      check a vector file (segment-format-v1.json):
                                         the sealed segment decodes to its records, and each
                                         damaged copy recovers to what the vector names

Add --values to list each record's value (hex). Exits 0 when everything decoded and
matched, 1 otherwise; the report is one JSON object on standard output.
"""
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lz4_xxhash import low32, lz4_frame_decompress, xxh64  # noqa: E402

SKIPPABLE = 0x184D2A50
MAX_RECORDS_PER_BLOCK = 1 << 20
MAX_RAW = 64 << 20
MAX_DATA = 65 << 20


class SegmentError(Exception):
    """A check of the spec failed; `offset` is where."""

    def __init__(self, offset, message):
        super().__init__("offset %d: %s" % (offset, message))
        self.offset = offset


def u32(data, at):
    return struct.unpack_from("<I", data, at)[0]


def u64(data, at):
    return struct.unpack_from("<Q", data, at)[0]


def metadata_checksum_ok(data, start, length):
    """§3: the last 4 bytes of a metadata frame are low32(XXH64(everything before them))."""
    return u32(data, start + length - 4) == low32(xxh64(data[start:start + length - 4]))


def read_header(data, number=None):
    """§4: returns (number, first ordinal)."""
    if len(data) < 44:
        raise SegmentError(0, "shorter than a segment header")
    if u32(data, 0) != SKIPPABLE | 0xA or u32(data, 4) != 36 or data[8:16] != b"CLSEGHDR":
        raise SegmentError(0, "not a segment header (magic, size or tag)")
    if not metadata_checksum_ok(data, 0, 44):
        raise SegmentError(40, "segment header checksum")
    version = struct.unpack_from("<H", data, 16)[0]
    if version != 1:
        raise SegmentError(16, "unsupported version %d" % version)
    if number is not None and u64(data, 24) != number:
        raise SegmentError(24, "segment number %d, file name says %d" % (u64(data, 24), number))
    return u64(data, 24), u64(data, 32)


def read_block(data, at, expected_ordinal, decode=True):
    """§5: the block at `at`; returns (end offset, ends batch, [(key, value or None)]).

    Raises SegmentError when the header is out of range, the block runs past the file, the
    checksum does not match or the ordinal does not continue; with `decode`, also when the
    data frame does not decompress to exactly its raw length.
    """
    if at + 32 > len(data) or u32(data, at) != SKIPPABLE | 0xB:
        raise SegmentError(at, "no block header")
    count, raw, data_length, flags = struct.unpack_from("<IIII", data, at + 16)
    first = u64(data, at + 8)
    if not (1 <= count <= MAX_RECORDS_PER_BLOCK) or u32(data, at + 4) != 28 + 36 * count:
        raise SegmentError(at, "record count or payload size out of range")
    if raw > MAX_RAW or not (4 <= data_length <= MAX_DATA) or flags & ~1:
        raise SegmentError(at, "raw length, data length or flags out of range")
    header_length = 36 + 36 * count
    end = at + header_length + data_length
    if end > len(data):
        raise SegmentError(at, "block runs past the end of the file")
    h = xxh64(data[at:at + header_length - 4])
    frame = data[at + header_length:end]
    if u32(data, at + header_length - 4) != low32(xxh64(frame, seed=h)):
        raise SegmentError(at, "block checksum")
    if first != expected_ordinal:
        raise SegmentError(at + 8, "block starts at ordinal %d, expected %d" % (first, expected_ordinal))
    entries = [(data[at + 32 + 36 * i:at + 64 + 36 * i], u32(data, at + 64 + 36 * i)) for i in range(count)]
    if sum(length for _, length in entries) != raw:
        raise SegmentError(at, "value lengths do not add up to the raw length")
    if not decode:
        return end, bool(flags & 1), [(key, None) for key, _ in entries]
    try:
        content, _ = lz4_frame_decompress(frame, raw)
    except ValueError as error:
        raise SegmentError(at + header_length, "data frame: %s" % error)
    if len(content) != raw:
        raise SegmentError(at + header_length, "data frame holds %d bytes, raw length %d" % (len(content), raw))
    records, position = [], 0
    for key, length in entries:
        records.append((key, content[position:position + length]))
        position += length
    return end, bool(flags & 1), records


def read_tail(data):
    """§6.2: (index offset, record count, raw bytes) of a valid tail, else None."""
    size = len(data)
    if size < 88:
        return None
    t = size - 44
    if u32(data, t) != SKIPPABLE | 0xD or u32(data, t + 4) != 36 or data[t + 8:t + 16] != b"CLSEGEND":
        return None
    if not metadata_checksum_ok(data, t, 44):
        return None
    index_offset = u64(data, t + 16)
    if not (44 <= index_offset < size - 44):
        return None
    return index_offset, u64(data, t + 24), u64(data, t + 32)


def read_index(data, at, end):
    """§6.1: ([(offset, length, count)], [(prefix, ordinal)]) of the index frame at `at`."""
    if at + 28 > end or u32(data, at) != SKIPPABLE | 0xC:
        raise SegmentError(at, "no index frame at the tail's index offset")
    records, blocks, reserved = struct.unpack_from("<QII", data, at + 8)
    length = 28 + 16 * blocks + 12 * records
    if u32(data, at + 4) != length - 8 or at + length != end or reserved != 0:
        raise SegmentError(at, "index size does not match its counts or does not end at the tail")
    if not metadata_checksum_ok(data, at, length):
        raise SegmentError(at, "index checksum")
    table = [struct.unpack_from("<QII", data, at + 24 + 16 * i) for i in range(blocks)]
    keys_at = at + 24 + 16 * blocks
    keys = [(data[keys_at + 12 * i:keys_at + 12 * i + 8], u32(data, keys_at + 12 * i + 8)) for i in range(records)]
    return table, keys


def scan_blocks(data, start, limit, first_ordinal):
    """§8 step 4: blocks from `start`, accepted a whole batch at a time.

    Returns (accepted end, accepted records, stop reason or None).
    """
    at, ordinal = start, first_ordinal
    accepted_end, accepted, pending = start, [], []
    reason = None
    while at < limit:
        try:
            end, ends_batch, records = read_block(data, at, ordinal, decode=True)
        except SegmentError as error:
            reason = str(error)
            break
        pending += records
        ordinal += len(records)
        at = end
        if ends_batch:
            accepted += pending
            pending = []
            accepted_end = at
    if reason is None and pending:
        reason = "offset %d: the last batch has no BATCH_END block" % at
    return accepted_end, accepted, reason


def read_segment(data, number=None, first_ordinal=None):
    """Decodes one segment file; returns a dict describing it (records as (key, value))."""
    number, first = read_header(data, number)
    if first_ordinal is not None and first != first_ordinal:
        raise SegmentError(32, "segment starts at ordinal %d, expected %d" % (first, first_ordinal))
    tail = read_tail(data)
    sealed = False
    if tail is not None:
        index_offset, count, raw_bytes = tail
        try:
            table, keys = read_index(data, index_offset, len(data) - 44)
            sealed = True
        except SegmentError:
            sealed = False  # an interrupted seal: the footer is cut by recovery (§8 step 2)
    if not sealed:
        end, records, reason = scan_blocks(data, 44, len(data), first)
        return {"number": number, "first_ordinal": first, "sealed": False, "records": records,
                "recovered_end": end, "cut_offset": end if end < len(data) else None, "stop": reason}
    # Sealed: every block up to the index must be whole and valid, and the index must match.
    at, ordinal, records, blocks = 44, first, [], []
    while at < index_offset:
        end, _, block_records = read_block(data, at, ordinal)
        blocks.append((at, end - at, len(block_records)))
        records += block_records
        ordinal += len(block_records)
        at = end
    if at != index_offset:
        raise SegmentError(at, "the last block runs past the index offset")
    if [tuple(b) for b in table] != blocks:
        raise SegmentError(index_offset, "the block table does not match the blocks")
    if count != len(records) or raw_bytes != sum(len(v) for _, v in records):
        raise SegmentError(len(data) - 44, "the tail's record count or raw bytes do not match")
    expected_keys = sorted((key[:8], i) for i, (key, _) in enumerate(records))
    if keys != expected_keys:
        raise SegmentError(index_offset, "the key table is not the sorted (prefix, ordinal) list of the records")
    return {"number": number, "first_ordinal": first, "sealed": True, "records": records,
            "recovered_end": len(data), "cut_offset": None, "stop": None}


def describe(path, segment, values):
    out = {"file": path, "number": segment["number"], "first_ordinal": segment["first_ordinal"],
           "sealed": segment["sealed"], "record_count": len(segment["records"]),
           "keys": [key.hex() for key, _ in segment["records"]]}
    if values:
        out["values"] = [value.hex() for _, value in segment["records"]]
    if not segment["sealed"]:
        out["cut_offset"] = segment["cut_offset"]
        out["stop"] = segment["stop"]
    return out


def read_folder(folder, values):
    names = sorted((int(m.group(1)), name) for name in os.listdir(folder)
                   for m in [re.fullmatch(r"segment-(\d{10,})\.lz4", name)] if m)
    report, ordinal, failures = [], 0, []
    for position, (number, name) in enumerate(names):
        if number != position + 1:
            failures.append("%s: segment numbers are not consecutive from 1" % name)
            break
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        try:
            segment = read_segment(data, number, ordinal)
        except SegmentError as error:
            failures.append("%s: %s" % (name, error))
            break
        if not segment["sealed"] and position != len(names) - 1:
            failures.append("%s: a segment before the last is not sealed" % name)
        ordinal += len(segment["records"])
        report.append(describe(name, segment, values))
    return {"ok": not failures, "segments": report, "record_count": ordinal, "failures": failures}


def check_vector(path):
    with open(path) as handle:
        vector = json.load(handle)
    sealed = bytes.fromhex(vector["segment_hex"])
    failures, checked = [], 0
    expected = [(bytes.fromhex(r["key_hex"]), r["value_utf8"].encode()) for r in vector["records"]]
    try:
        segment = read_segment(sealed, 1, 0)
        checked += 1
        if not segment["sealed"] or segment["records"] != expected:
            failures.append("the sealed segment does not decode to the vector's records")
    except SegmentError as error:
        failures.append("sealed segment: %s" % error)
    for damage in vector["negative"]:
        data = bytearray(sealed)
        if damage.get("truncate_at") is not None:
            data = data[:damage["truncate_at"]]
        if damage.get("flip_at") is not None:
            data[damage["flip_at"]] ^= 0xFF
        checked += 1
        try:
            segment = read_segment(bytes(data), 1, 0)
        except SegmentError as error:
            failures.append("%s: %s" % (damage["name"], error))
            continue
        kept = len(segment["records"])
        if segment["sealed"] or kept != damage["records_kept"] or segment["cut_offset"] != damage["cut_offset"]:
            failures.append("%s: kept %d, cut at %s; the vector says %d, %s" % (
                damage["name"], kept, segment["cut_offset"], damage["records_kept"], damage["cut_offset"]))
        elif segment["records"] != expected[:kept]:
            failures.append("%s: the kept records differ" % damage["name"])
    return {"ok": not failures, "checked": checked, "failures": failures}


def main(argv):
    values = "--values" in argv
    args = [a for a in argv if a != "--values"]
    if len(args) == 2 and args[0] == "--vector":
        report = check_vector(args[1])
    elif len(args) == 2 and args[0] == "--dir":
        report = read_folder(args[1], values)
    elif args and not args[0].startswith("--"):
        report = {"ok": True, "segments": [], "failures": []}
        for path in args:
            with open(path, "rb") as handle:
                data = handle.read()
            try:
                report["segments"].append(describe(path, read_segment(data), values))
            except SegmentError as error:
                report["ok"] = False
                report["failures"].append("%s: %s" % (path, error))
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
