#!/usr/bin/env python3
"""Writes Tests/Vectors/lz4-frames.json: positive frames written by the stock `lz4` tool
(1.9.4, default options), negative frames built here by hand from `lz4_Frame_format.md`
(header checksums with the pure-Python XXH32 of lz4_xxhash.py). Needs the `lz4` tool on
PATH. Run it only when the vectors change; the tests check the committed file and never
regenerate it.

    python3 Tests/Tools/make_lz4_frame_vectors.py > Tests/Vectors/lz4-frames.json
"""
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lz4_xxhash import xxh32  # noqa: E402


def tool_frame(data):
    return subprocess.run(["lz4", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


def main():
    line = b"hello, auditor\n"
    short = tool_frame(line)
    long = tool_frame(b"A" * 70000)
    descriptor = bytes([0x68, 0x40]) + struct.pack("<Q", 1 << 32)  # content size 1, 64 KiB blocks
    declares_4_gib = struct.pack("<I", 0x184D2204) + descriptor + bytes([(xxh32(descriptor) >> 8) & 0xFF]) + bytes(4)

    def flipped(data, at, new):
        out = bytearray(data)
        out[at] = new
        return bytes(out)

    positive = [
        {"name": "tool frame of a short line", "frame_hex": short.hex(), "output_hex": line.hex(), "max_output": 1024},
        {"name": "tool frame of 70000 bytes 0x41 without a declared size", "frame_hex": long.hex(),
         "output_repeat_hex": "41", "output_length": 70000, "max_output": 70000},
    ]
    negative = [
        {"name": "undeclared size grows past the cap", "frame_hex": long.hex(), "max_output": 50000,
         "error": "output_too_large"},
        {"name": "declares 4 GiB of content (valid header checksum)", "frame_hex": declares_4_gib.hex(),
         "max_output": 64 << 20, "error": "output_too_large"},
        {"name": "content checksum missing", "frame_hex": short[:-4].hex(), "max_output": 1024,
         "error": "truncated_frame"},
        {"name": "content checksum wrong", "frame_hex": flipped(short, len(short) - 1, short[-1] ^ 0x01).hex(),
         "max_output": 1024, "error": "malformed_frame"},
        {"name": "header checksum wrong", "frame_hex": flipped(short, 6, (short[6] + 1) & 0xFF).hex(),
         "max_output": 1024, "error": "malformed_frame"},
        {"name": "block size runs past the end", "frame_hex": (short[:7] + b"\xff" + short[8:16]).hex(),
         "max_output": 1024, "error": "truncated_frame"},
        {"name": "trailing byte after the frame", "frame_hex": (short + b"\x00").hex(), "max_output": 1024,
         "error": "trailing_bytes"},
        {"name": "legacy frame magic", "frame_hex": (struct.pack("<I", 0x184C2102) + bytes(6)).hex(),
         "max_output": 1024, "error": "malformed_frame"},
        {"name": "skippable frame where a data frame is expected",
         "frame_hex": struct.pack("<II", 0x184D2A5A, 0).hex(), "max_output": 1024, "error": "malformed_frame"},
        {"name": "empty input", "frame_hex": "", "max_output": 1024, "error": "truncated_frame"},
    ]
    description = (
        "LZ4 frame vectors for LZ4Codec, made by Tests/Tools/make_lz4_frame_vectors.py. Positive frames were "
        "written by the stock lz4 1.9.4 tool (no declared content size, linked blocks, content checksum). "
        "Negative frames must be refused with the given error code; max_output is the cap passed to the decoder.")
    lines = ["{", '  "description": %s,' % json.dumps(description), '  "positive": [']
    lines.append(",\n".join("    " + json.dumps(entry) for entry in positive))
    lines += ["  ],", '  "negative": [']
    lines.append(",\n".join("    " + json.dumps(entry) for entry in negative))
    lines += ["  ]", "}"]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
