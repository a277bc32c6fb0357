import LZ4Codec

/// The LZ4 frame codec (codec id 1) for bundle payloads (Specs/bundle-format.md §4).
///
/// Decompression is capped at the size the (authenticated) header declares, which the
/// reader has already checked against its own fixed cap: a bundle cannot make a site
/// allocate more than that cap, whatever its frame claims.
public struct LZ4BundleCompressor: BundleCompressor {
    /// Creates the codec.
    public init() {}

    /// Always 1.
    public var codecID: UInt8 { 1 }

    /// One LZ4 frame with a content checksum.
    public func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        try LZ4FrameCompressor.compress(bytes, contentChecksum: true)
    }

    /// Decodes the frame stream, refusing output beyond `expectedSize`.
    public func decompress(_ bytes: [UInt8], expectedSize: Int) throws -> [UInt8] {
        let output = try LZ4FrameDecompressor.decompressStream(bytes, maxOutput: expectedSize)
        guard output.count == expectedSize else {
            throw SyncError(.decompressionFailed, "payload decompressed to \(output.count) bytes, header says \(expectedSize)")
        }
        return output
    }
}
