import LZ4Codec
import LedgerStorage
import Testing

/// The codes of the storage layer's two error types are extensible structs; these tests pin
/// that every code keeps the string it had as an enum case and compares and prints by it.
@Suite("Storage and LZ4 error codes")
struct StorageErrorCodeTests {
    static let storage: [(StorageError.Code, String)] = [
        (.locked, "locked"), (.io, "io"), (.noSpace, "no_space"), (.corruptBlock, "corrupt_block"),
        (.corruptSegment, "corrupt_segment"), (.notFound, "not_found"), (.invalidArgument, "invalid_argument"),
        (.unsupportedVersion, "unsupported_version"), (.writerPoisoned, "writer_poisoned"), (.closed, "closed"),
        (.readOnly, "read_only"),
    ]
    static let lz4: [(LZ4Error.Code, String)] = [
        (.malformedFrame, "malformed_frame"), (.truncatedFrame, "truncated_frame"),
        (.outputTooLarge, "output_too_large"), (.trailingBytes, "trailing_bytes"),
        (.compressionFailed, "compression_failed"),
    ]

    @Test("every storage code keeps its string, is distinct, and prints first in the error's description")
    func storageCodesKeepTheirStrings() {
        for (code, text) in Self.storage {
            #expect(code.rawValue == text && code.description == text)
            #expect(StorageError.Code(rawValue: text) == code)
            #expect(StorageError(code, "m", file: "f", offset: 3).description == "\(text): m (f at offset 3)")
        }
        #expect(Set(Self.storage.map(\.0)).count == Self.storage.count)
        #expect(StorageError(.corruptBlock, "m").isStructural && !StorageError(.locked, "m").isStructural)
    }

    @Test("every LZ4 code keeps its string, is distinct, and prints first in the error's description")
    func lz4CodesKeepTheirStrings() {
        for (code, text) in Self.lz4 {
            #expect(code.rawValue == text && code.description == text)
            #expect(LZ4Error(code, "m", offset: 7).description == "\(text): m (at offset 7)")
        }
        #expect(Set(Self.lz4.map(\.0)).count == Self.lz4.count)
        #expect(LZ4Error(.truncatedFrame, "m") != LZ4Error(.malformedFrame, "m"))
    }
}
