"""Pure-Python XXH32, XXH64 and LZ4 (block and frame) for the segment tools.

Written from the public specifications (xxHash `doc/xxhash_spec.md`, LZ4
`lz4_Block_format.md` and `lz4_Frame_format.md`), sharing nothing with the Swift code or
liblz4, so the segment vector generator and the independent segment reader need nothing
installed. Slow, and meant for small inputs: vectors and test segments.
"""
import struct

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

# --- XXH32 -------------------------------------------------------------------------------

P32_1, P32_2, P32_3, P32_4, P32_5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393


def _rotl32(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def _round32(acc, lane):
    acc = (acc + lane * P32_2) & M32
    return (_rotl32(acc, 13) * P32_1) & M32


def xxh32(data, seed=0):
    data = bytes(data)
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P32_1 + P32_2) & M32, (seed + P32_2) & M32, seed & M32, (seed - P32_1) & M32]
        while i + 16 <= n:
            lanes = struct.unpack_from("<4I", data, i)
            v = [_round32(a, l) for a, l in zip(v, lanes)]
            i += 16
        acc = (_rotl32(v[0], 1) + _rotl32(v[1], 7) + _rotl32(v[2], 12) + _rotl32(v[3], 18)) & M32
    else:
        acc = (seed + P32_5) & M32
    acc = (acc + n) & M32
    while i + 4 <= n:
        acc = (acc + struct.unpack_from("<I", data, i)[0] * P32_3) & M32
        acc = (_rotl32(acc, 17) * P32_4) & M32
        i += 4
    while i < n:
        acc = (acc + data[i] * P32_5) & M32
        acc = (_rotl32(acc, 11) * P32_1) & M32
        i += 1
    acc ^= acc >> 15
    acc = (acc * P32_2) & M32
    acc ^= acc >> 13
    acc = (acc * P32_3) & M32
    acc ^= acc >> 16
    return acc


# --- XXH64 -------------------------------------------------------------------------------

P64_1, P64_2, P64_3 = 11400714785074694791, 14029467366897019727, 1609587929392839161
P64_4, P64_5 = 9650029242287828579, 2870177450012600261


def _rotl64(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _round64(acc, lane):
    acc = (acc + lane * P64_2) & M64
    return (_rotl64(acc, 31) * P64_1) & M64


def _merge64(acc, v):
    acc ^= _round64(0, v)
    return (acc * P64_1 + P64_4) & M64


def xxh64(data, seed=0):
    data = bytes(data)
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P64_1 + P64_2) & M64, (seed + P64_2) & M64, seed & M64, (seed - P64_1) & M64]
        while i + 32 <= n:
            lanes = struct.unpack_from("<4Q", data, i)
            v = [_round64(a, l) for a, l in zip(v, lanes)]
            i += 32
        acc = (_rotl64(v[0], 1) + _rotl64(v[1], 7) + _rotl64(v[2], 12) + _rotl64(v[3], 18)) & M64
        for lane in v:
            acc = _merge64(acc, lane)
    else:
        acc = (seed + P64_5) & M64
    acc = (acc + n) & M64
    while i + 8 <= n:
        acc ^= _round64(0, struct.unpack_from("<Q", data, i)[0])
        acc = (_rotl64(acc, 27) * P64_1 + P64_4) & M64
        i += 8
    if i + 4 <= n:
        acc ^= (struct.unpack_from("<I", data, i)[0] * P64_1) & M64
        acc = (_rotl64(acc, 23) * P64_2 + P64_3) & M64
        i += 4
    while i < n:
        acc ^= (data[i] * P64_5) & M64
        acc = (_rotl64(acc, 11) * P64_1) & M64
        i += 1
    acc ^= acc >> 33
    acc = (acc * P64_2) & M64
    acc ^= acc >> 29
    acc = (acc * P64_3) & M64
    acc ^= acc >> 32
    return acc


def low32(h):
    """The checksum field of segment-format §3: the low 32 bits of an XXH64."""
    return h & M32


# --- LZ4 block format --------------------------------------------------------------------

MINMATCH, MFLIMIT, LASTLITERALS = 4, 12, 5


def _length_bytes(extra):
    out = bytearray()
    while extra >= 255:
        out.append(255)
        extra -= 255
    out.append(extra)
    return out


def _sequence(out, literals, match_length=None, offset=None):
    lit = len(literals)
    ml = None if match_length is None else match_length - MINMATCH
    token = (min(lit, 15) << 4) | (0 if ml is None else min(ml, 15))
    out.append(token)
    if lit >= 15:
        out += _length_bytes(lit - 15)
    out += literals
    if ml is not None:
        out += struct.pack("<H", offset)
        if ml >= 15:
            out += _length_bytes(ml - 15)


def lz4_block_compress(src, limit=None):
    """A greedy compressor with the parse of liblz4's fast mode, for inputs under 64 KiB.

    Any parse that follows the block format is valid; this one follows liblz4's (a 13-bit
    hash of 4 bytes per position, step 1 at first, the last 5 bytes literal, no match
    starting in the last 12, the same conservative output-room checks) so that frames
    equal what `LZ4F_compressFrame` writes. Returns None when the block would not fit in
    `limit` bytes (the frame then stores the block uncompressed).
    """
    src = bytes(src)
    n = len(src)
    assert n < 65536 + MFLIMIT - 1, "the 16-bit-table parse only covers inputs under 64 KiB"
    limit = 1 << 62 if limit is None else limit
    out = bytearray()

    def last_literals(anchor):
        run = n - anchor
        if len(out) + run + 1 + (run + 255 - 15) // 255 > limit:
            return None
        _sequence(out, src[anchor:n])
        return bytes(out)

    if n < MFLIMIT + 1:
        return last_literals(0)

    def read32(p):
        return struct.unpack_from("<I", src, p)[0]

    def h(p):
        return ((read32(p) * 2654435761) & M32) >> (32 - 13)

    table = [0] * (1 << 13)
    mflimit_plus_one = n - MFLIMIT + 1
    match_limit = n - LASTLITERALS
    anchor = 0
    ip = 0
    table[h(ip)] = ip
    ip += 1
    forward_h = h(ip)
    while True:
        # Find a match, stepping faster the longer nothing matches.
        forward_ip, step, searches = ip, 1, 1 << 6
        while True:
            hh = forward_h
            ip = forward_ip
            forward_ip += step
            step = searches >> 6
            searches += 1
            if forward_ip > mflimit_plus_one:
                return last_literals(anchor)
            match = table[hh]
            forward_h = h(forward_ip)
            table[hh] = ip
            if read32(match) == read32(ip):
                break
        while ip > anchor and match > 0 and src[ip - 1] == src[match - 1]:
            ip -= 1
            match -= 1
        literals = src[anchor:ip]
        if len(out) + 1 + len(literals) + (2 + 1 + LASTLITERALS) + len(literals) // 255 > limit:
            return None
        while True:
            length = MINMATCH
            while ip + length < match_limit and src[ip + length] == src[match + length]:
                length += 1
            token_and_literals = 1 + len(literals) + (len(literals) - 15) // 255 + 1 if len(literals) >= 15 else 1 + len(literals)
            if len(out) + token_and_literals + 2 + (1 + LASTLITERALS) + (length - MINMATCH + 240) // 255 > limit:
                return None
            _sequence(out, literals, length, ip - match)
            ip += length
            anchor = ip
            if ip >= mflimit_plus_one:
                return last_literals(anchor)
            table[h(ip - 2)] = ip - 2
            hh = h(ip)
            match = table[hh]
            table[hh] = ip
            if read32(match) == read32(ip):
                literals = b""
                continue
            break
        ip += 1
        forward_h = h(ip)


def lz4_block_decompress(block, cap):
    """Decodes one LZ4 block; raises ValueError on a malformed block or output over `cap`."""
    out = bytearray()
    i, n = 0, len(block)
    while True:
        if i >= n:
            raise ValueError("block ends before a token")
        token = block[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                if i >= n:
                    raise ValueError("block ends inside a literal length")
                b = block[i]
                i += 1
                lit += b
                if b != 255:
                    break
        if i + lit > n:
            raise ValueError("literals run past the block")
        if len(out) + lit > cap:
            raise ValueError("output over the cap")
        out += block[i:i + lit]
        i += lit
        if i == n:
            return bytes(out)  # the last sequence has literals only
        if i + 2 > n:
            raise ValueError("block ends inside an offset")
        offset = struct.unpack_from("<H", block, i)[0]
        i += 2
        if offset == 0 or offset > len(out):
            raise ValueError("match offset outside the output")
        ml = token & 15
        if ml == 15:
            while True:
                if i >= n:
                    raise ValueError("block ends inside a match length")
                b = block[i]
                i += 1
                ml += b
                if b != 255:
                    break
        ml += MINMATCH
        if len(out) + ml > cap:
            raise ValueError("output over the cap")
        start = len(out) - offset
        for k in range(ml):  # byte by byte: a match may overlap its own output
            out.append(out[start + k])


# --- LZ4 frame format --------------------------------------------------------------------

FRAME_MAGIC = 0x184D2204
BLOCK_MAXIMA = {4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}


def lz4_frame_compress(content):
    """One frame as segment-format §5.2 describes it: independent blocks, no checksums,
    the smallest block maximum that holds the content, the content size when it is not 0."""
    content = bytes(content)
    bsid = next(k for k in sorted(BLOCK_MAXIMA) if len(content) <= BLOCK_MAXIMA[k] or k == 7)
    flg = (1 << 6) | (1 << 5) | ((1 << 3) if content else 0)
    descriptor = bytes([flg, bsid << 4]) + (struct.pack("<Q", len(content)) if content else b"")
    out = bytearray(struct.pack("<I", FRAME_MAGIC) + descriptor + bytes([(xxh32(descriptor) >> 8) & 0xFF]))
    maximum = BLOCK_MAXIMA[bsid]
    for start in range(0, len(content), maximum):
        chunk = content[start:start + maximum]
        packed = lz4_block_compress(chunk, limit=len(chunk) - 1)
        if packed is not None:
            out += struct.pack("<I", len(packed)) + packed
        else:
            out += struct.pack("<I", len(chunk) | 0x80000000) + chunk
    out += struct.pack("<I", 0)
    return bytes(out)


def lz4_frame_decompress(frame, cap):
    """Decodes one whole LZ4 frame (any valid flags); returns (content, content size or None).

    Raises ValueError when the frame is malformed, has bytes after it, or decodes to more
    than `cap` bytes.
    """
    frame = bytes(frame)
    if len(frame) < 7 or struct.unpack_from("<I", frame, 0)[0] != FRAME_MAGIC:
        raise ValueError("not an LZ4 frame")
    flg, bd = frame[4], frame[5]
    if flg >> 6 != 1 or flg & 0b10 or bd & 0x8F or (bd >> 4) not in BLOCK_MAXIMA:
        raise ValueError("bad frame descriptor")
    block_checksum, has_size, content_checksum, has_dict = flg & 0x10, flg & 0x08, flg & 0x04, flg & 0x01
    i = 6
    size = None
    if has_size:
        size = struct.unpack_from("<Q", frame, i)[0]
        i += 8
        if size > cap:
            raise ValueError("declared content size over the cap")
    if has_dict:
        i += 4
    if i >= len(frame) or frame[i] != (xxh32(frame[4:i]) >> 8) & 0xFF:
        raise ValueError("bad header checksum")
    i += 1
    out = bytearray()
    maximum = BLOCK_MAXIMA[bd >> 4]
    while True:
        if i + 4 > len(frame):
            raise ValueError("frame ends before its end mark")
        word = struct.unpack_from("<I", frame, i)[0]
        i += 4
        if word == 0:
            break
        length, stored = word & 0x7FFFFFFF, word >> 31
        if length > maximum or i + length > len(frame):
            raise ValueError("bad block size")
        data = frame[i:i + length]
        i += length
        if block_checksum:
            if i + 4 > len(frame) or struct.unpack_from("<I", frame, i)[0] != xxh32(data):
                raise ValueError("bad block checksum")
            i += 4
        room = cap - len(out)
        if stored:
            if length > room:
                raise ValueError("output over the cap")
            out += data
        else:
            out += lz4_block_decompress(data, min(room, maximum))
    if content_checksum:
        if i + 4 > len(frame) or struct.unpack_from("<I", frame, i)[0] != xxh32(out):
            raise ValueError("bad content checksum")
        i += 4
    if i != len(frame):
        raise ValueError("bytes after the frame")
    if size is not None and size != len(out):
        raise ValueError("content size does not match")
    return bytes(out), size
