#!/usr/bin/env python3
"""Writes Tests/Vectors/segment-format-v1.json from Specs/segment-format.md, independently
of the Swift code: frames are packed here with struct, checksummed with the pure-Python
XXH64 of lz4_xxhash.py, and the data frame is compressed by its pure-Python LZ4 (which
parses the way liblz4's fast mode does, so the bytes equal what LZ4F_compressFrame
writes). Run it only when the format changes; the tests check the committed file byte for
byte and never regenerate it.

    python3 Tests/Tools/make_segment_vectors.py > Tests/Vectors/segment-format-v1.json
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lz4_xxhash import low32, lz4_frame_compress, xxh64  # noqa: E402

SKIPPABLE = 0x184D2A50
HEADER, BLOCK, INDEX, TAIL = 0xA, 0xB, 0xC, 0xD
BATCH_END = 1


def frame(nibble, payload_without_checksum):
    """A metadata frame (§2, §3): magic, payload size, payload, checksum of all before it."""
    size = len(payload_without_checksum) + 4
    body = struct.pack("<II", SKIPPABLE | nibble, size) + payload_without_checksum
    return body + struct.pack("<I", low32(xxh64(body)))


def segment_header(number, first_ordinal):
    """§4."""
    return frame(HEADER, b"CLSEGHDR" + struct.pack("<HHIQQ", 1, 0, 0, number, first_ordinal))


def block(first_ordinal, records, flags):
    """§5: a block header frame and its LZ4 data frame, one checksum over both."""
    raw = b"".join(value for _, value in records)
    data = lz4_frame_compress(raw)
    fields = struct.pack("<QIIII", first_ordinal, len(records), len(raw), len(data), flags)
    fields += b"".join(key + struct.pack("<I", len(value)) for key, value in records)
    header = struct.pack("<II", SKIPPABLE | BLOCK, len(fields) + 4) + fields
    checksum = low32(xxh64(data, seed=xxh64(header)))
    return header + struct.pack("<I", checksum) + data


def index_and_tail(blocks, keys, index_offset, raw_bytes):
    """§6: the block table, the key table sorted by 8-byte prefix then ordinal, and the tail."""
    table = b"".join(struct.pack("<QII", offset, length, count) for offset, length, count in blocks)
    entries = sorted((key[:8], ordinal) for ordinal, key in enumerate(keys))
    key_table = b"".join(prefix + struct.pack("<I", ordinal) for prefix, ordinal in entries)
    index = frame(INDEX, struct.pack("<QII", len(keys), len(blocks), 0) + table + key_table)
    tail = frame(TAIL, b"CLSEGEND" + struct.pack("<QQQ", index_offset, len(keys), raw_bytes))
    return index, tail


def main():
    records = [
        (bytes(range(0, 32)), b'{"kind":"consent"}\n'),
        (bytes(range(32, 64)), b'{"kind":"audit"}\n'),
    ]
    header = segment_header(number=1, first_ordinal=0)
    only_block = block(0, records, BATCH_END)
    index_offset = len(header) + len(only_block)
    index, tail = index_and_tail(
        [(len(header), len(only_block), len(records))], [key for key, _ in records],
        index_offset, sum(len(value) for _, value in records))
    segment = header + only_block + index + tail
    assert len(segment) == 319, len(segment)

    # Damaged copies, made active (tail removed unless the case keeps it): the records
    # recovery (§8 step 4) must keep and the offset it must cut at, derived from the rules
    # by hand. Offsets: header 0..44, block header 44..152 (flags at 72, keys from 76,
    # checksum 148..152), data frame 152..207, index 207..275, tail 275..319.
    negative = [
        {"name": "tail cut off (interrupted seal): the index frame is quarantined",
         "truncate_at": 275, "records_kept": 2, "cut_offset": 207},
        {"name": "torn LZ4 frame", "truncate_at": 206, "records_kept": 0, "cut_offset": 44},
        {"name": "torn block header", "truncate_at": 60, "records_kept": 0, "cut_offset": 44},
        {"name": "flipped byte in a key, tail cut off",
         "truncate_at": 275, "flip_at": 80, "records_kept": 0, "cut_offset": 44},
        {"name": "flipped byte in the LZ4 data, tail cut off",
         "truncate_at": 275, "flip_at": 180, "records_kept": 0, "cut_offset": 44},
        {"name": "flipped byte in the stored checksum, tail cut off",
         "truncate_at": 275, "flip_at": 149, "records_kept": 0, "cut_offset": 44},
        {"name": "flipped batch-end flag, tail cut off",
         "truncate_at": 275, "flip_at": 72, "records_kept": 0, "cut_offset": 44},
        {"name": "clean end after the block", "truncate_at": 207, "records_kept": 2, "cut_offset": None},
    ]
    data_length = len(only_block) - (36 + 36 * len(records))
    print(json.dumps({
        "description": (
            "A sealed segment of format version 1 (Specs/segment-format.md \u00a710): segment 1, "
            "first ordinal 0, one block with two records, then the index and tail frames. Made by "
            "Tests/Tools/make_segment_vectors.py from the spec, independently of the Swift code; the "
            "test appends the records with SegmentLog (default options), seals, and compares the file "
            "byte for byte, and Tests/Tools/segment_reader.py decodes it."),
        "records": [{"key_hex": key.hex(), "value_utf8": value.decode()} for key, value in records],
        "segment_hex": segment.hex(),
        "negative": negative,
        "layout": [
            "0..44 segment header frame (magic 0x184D2A5A, payload 36: 'CLSEGHDR', version 1, flags 0, "
            "reserved 0, segment 1, first ordinal 0, checksum)",
            "44..152 block header frame (magic 0x184D2A5B, payload 100: first ordinal 0, 2 records, raw 36, "
            "data %d, flags 1 = ends batch, two (key, length) entries, checksum over the 104 header bytes "
            "before it and the %d data bytes)" % (data_length, data_length),
            "152..207 LZ4 frame of the 36 raw bytes (content size declared, independent blocks, no liblz4 "
            "checksums)",
            "207..275 index frame (magic 0x184D2A5C, payload 60: 2 records, 1 block at offset 44 of 163 bytes "
            "with 2 records, 2 key entries, checksum)",
            "275..319 tail frame (magic 0x184D2A5D, payload 36: 'CLSEGEND', index offset 207, 2 records, "
            "36 raw bytes, checksum)",
        ],
    }, indent=2))


if __name__ == "__main__":
    main()
