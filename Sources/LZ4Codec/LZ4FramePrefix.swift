import CLZ4

extension LZ4FrameDecompressor {
    /// The first `count` bytes of the content of `frame`, decoding no further than that, when
    /// the frame holds its whole content in its first block (one `compress` call of at most
    /// the block maximum writes such a frame) and declares `contentSize`.
    ///
    /// Why: a reader that wants one record of a block stops at that record's end instead of
    /// decompressing the whole block. Nil whenever the frame is not of that shape or its first
    /// block does not decode that far: the caller then decodes the frame whole, which reports
    /// any damage. The frame's own checksums are not read (a caller that uses this has checked
    /// the frame's bytes already).
    public static func decompressPrefix(_ frame: UnsafeRawBufferPointer, contentSize: Int, count: Int) -> [UInt8]? {
        guard count > 0, count <= contentSize, frame.count >= 7,
              UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == 0x184D_2204
        else { return nil }
        let flags = frame[4]
        // Version 01, no dictionary id, reserved bit clear, content size present.
        guard flags >> 6 == 1, flags & 0x01 == 0, flags & 0x02 == 0, flags & 0x08 != 0 else { return nil }
        var position = 6
        guard frame.count >= position + 8 + 1 + 4 else { return nil }
        let declared = UInt64(littleEndian: frame.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        guard declared == UInt64(contentSize) else { return nil }
        position += 8 + 1  // content size, header checksum
        let word = UInt32(littleEndian: frame.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        let size = Int(word & 0x7FFF_FFFF)
        guard size > 0, position + size <= frame.count, let source = frame.baseAddress?.advanced(by: position) else { return nil }
        if word & 0x8000_0000 != 0 {  // stored uncompressed
            guard size >= count else { return nil }
            return Array(UnsafeRawBufferPointer(start: source, count: count))
        }
        var produced: Int32 = -1
        let prefix = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            produced = LZ4_decompress_safe_partial(
                source.assumingMemoryBound(to: CChar.self), UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(size), Int32(count), Int32(count))
            initialized = produced == Int32(count) ? count : 0
        }
        return produced == Int32(count) ? prefix : nil
    }
}
