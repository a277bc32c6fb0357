import Crypto
import LedgerCore
import LedgerStorage

/// Where a bundle's bytes come from: an array in memory, or a file read through the
/// storage layer's ``FileSystem`` seam a piece at a time (Specs/bundle-format.md §7).
///
/// The reader asks only for the ranges it checks, in order, so a file that is not a bundle
/// costs a few bytes of reading whatever its length.
protocol BundleSource {
    /// The bundle's length in bytes (a file's `stat` size: known before anything is read).
    var length: UInt64 { get }
    /// Exactly `count` bytes at `offset`.
    /// - Throws: `bundle.truncated` when the source ends first; `bundle.unreadable` on an I/O error.
    func bytes(at offset: UInt64, count: Int) throws(SyncError) -> [UInt8]
}

/// A bundle held in memory.
struct MemoryBundleSource: BundleSource {
    let contents: [UInt8]

    var length: UInt64 { UInt64(contents.count) }

    func bytes(at offset: UInt64, count: Int) throws(SyncError) -> [UInt8] {
        guard offset <= length, UInt64(count) <= length - offset else {
            throw SyncError(.truncatedBundle, "the file ends inside a field", offset: contents.count)
        }
        let start = Int(offset)
        return Array(contents[start..<(start + count)])
    }
}

/// A bundle file read through the file-system seam; the caller opens and closes it.
struct FileBundleSource: BundleSource {
    let fileSystem: any FileSystem
    let file: OpenFile
    let length: UInt64

    /// Wraps an open file; its length comes from `fstat`, without reading.
    init(fileSystem: any FileSystem, file: OpenFile) throws(SyncError) {
        self.fileSystem = fileSystem
        self.file = file
        do { length = try fileSystem.size(file) } catch {
            throw SyncError(.unreadableBundle, "cannot read the file's size", underlying: error)
        }
    }

    func bytes(at offset: UInt64, count: Int) throws(SyncError) -> [UInt8] {
        guard offset <= length, UInt64(count) <= length - offset else {
            throw SyncError(.truncatedBundle, "the file ends inside a field", offset: Int(clamping: length))
        }
        do { return try fileSystem.readExactly(file, count: count, at: offset) } catch {
            throw SyncError(.unreadableBundle, "cannot read \(count) bytes", offset: Int(clamping: offset), underlying: error)
        }
    }
}

extension SyncError.Code {
    /// The bundle file could not be read (an I/O error, not a property of its bytes).
    public static let unreadableBundle = SyncError.Code("bundle.unreadable")
}

extension SyncHashing {
    /// The message the sender signs, from the SHA-256 of the signed bytes already computed
    /// a chunk at a time (Specs/bundle-format.md §2).
    static func bundleSignatureMessage(digest: SHA256.Digest) -> [UInt8] {
        Array("careledger bundle v1 signature".utf8) + Array(digest)
    }
}
