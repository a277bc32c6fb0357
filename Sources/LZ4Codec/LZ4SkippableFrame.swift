/// LZ4 skippable frames: metadata that the stock `lz4` tool steps over.
///
/// Layout (LZ4 frame format, "Skippable Frames"): a 4-byte little-endian magic number
/// `0x184D2A50 | nibble` (nibble 0...15), a 4-byte little-endian payload size, then the payload.
public enum LZ4SkippableFrame {
    /// The magic number of the skippable frame with nibble 0; the low 4 bits choose the kind.
    public static let baseMagic: UInt32 = 0x184D_2A50
    /// Bytes before the payload: magic and size.
    public static let headerSize = 8

    /// Encodes `payload` as a skippable frame whose magic carries `nibble` (0...15).
    ///
    /// - Precondition: `nibble < 16` and `payload.count` fits in 32 bits (callers cap it).
    public static func encode(nibble: UInt8, payload: [UInt8]) -> [UInt8] {
        precondition(nibble < 16 && payload.count <= Int(UInt32.max))
        var out = [UInt8]()
        out.reserveCapacity(headerSize + payload.count)
        appendHeader(nibble: nibble, payloadSize: UInt32(payload.count), to: &out)
        out.append(contentsOf: payload)
        return out
    }

    /// Appends the 8-byte header of a skippable frame (magic with `nibble`, then `payloadSize`).
    public static func appendHeader(nibble: UInt8, payloadSize: UInt32, to out: inout [UInt8]) {
        precondition(nibble < 16)
        let magic = baseMagic | UInt32(nibble)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: magic >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: payloadSize >> UInt32(shift))) }
    }

    /// Reads a skippable-frame header from the first 8 bytes of `bytes`.
    ///
    /// - Returns: the nibble and the declared payload size, or nil when the bytes do not
    ///   start with a skippable magic (or are shorter than 8 bytes). The declared size is
    ///   not trusted here: the caller checks it against what it expects and what exists.
    public static func parseHeader(_ bytes: some Collection<UInt8>) -> (nibble: UInt8, payloadSize: UInt32)? {
        guard bytes.count >= headerSize else { return nil }
        var iterator = bytes.makeIterator()
        var magic: UInt32 = 0
        var size: UInt32 = 0
        for shift in stride(from: 0, to: 32, by: 8) {
            guard let byte = iterator.next() else { return nil }
            magic |= UInt32(byte) << UInt32(shift)
        }
        for shift in stride(from: 0, to: 32, by: 8) {
            guard let byte = iterator.next() else { return nil }
            size |= UInt32(byte) << UInt32(shift)
        }
        guard magic & 0xFFFF_FFF0 == baseMagic else { return nil }
        return (UInt8(magic & 0xF), size)
    }
}
