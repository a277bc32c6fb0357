import CLZ4

/// Compresses whole buffers into single LZ4 frames (LZ4 frame format v1.6.x) with liblz4.
///
/// Every frame is self-contained: independent blocks, the content size recorded in the
/// frame header (so a reader can check it against its cap before allocating), and no
/// checksums of liblz4's own unless asked (the storage layer checksums the frame bytes).
public enum LZ4FrameCompressor {
    /// The magic number that starts every LZ4 frame (little-endian on disk).
    public static let frameMagic: UInt32 = 0x184D_2204

    /// Compresses `input` into one LZ4 frame.
    ///
    /// - Parameters:
    ///   - input: the bytes to compress (any size that fits in memory).
    ///   - contentChecksum: also append liblz4's XXH32 content checksum, so `lz4 -t` checks it.
    ///   - level: liblz4 compression level; 0 is the fast default.
    /// - Returns: the frame bytes, readable by `lz4 -d`.
    /// - Throws: `LZ4Error.compressionFailed` if liblz4 reports an error.
    public static func compress(
        _ input: UnsafeRawBufferPointer, contentChecksum: Bool = false, level: Int32 = 0
    ) throws(LZ4Error) -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = contentChecksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum
        preferences.frameInfo.contentSize = UInt64(input.count)
        preferences.compressionLevel = level
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        var status = 0
        let frame = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            let written = LZ4F_compressFrame(buffer.baseAddress, bound, input.baseAddress, input.count, &preferences)
            if LZ4F_isError(written) != 0 {
                status = -1
                initialized = 0
            } else {
                initialized = written
            }
        }
        guard status == 0 else { throw LZ4Error(.compressionFailed, "liblz4 could not compress \(input.count) bytes") }
        return frame
    }

    /// Compresses an array into one LZ4 frame; see ``compress(_:contentChecksum:level:)``.
    public static func compress(_ input: [UInt8], contentChecksum: Bool = false, level: Int32 = 0) throws(LZ4Error) -> [UInt8] {
        let result: Result<[UInt8], LZ4Error> = input.withUnsafeBytes { raw in
            do throws(LZ4Error) {
                return .success(try compress(raw, contentChecksum: contentChecksum, level: level))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
