import Foundation

/// The append-only file of signed tree heads: fixed-size records (Specs/site-layout.md §3).
///
/// Each record is one `SignedTreeHead` encoding. A torn last record (a crash mid-write) is
/// copied to `heads.log.quarantine` and cut off on open; it was never acknowledged.
enum TreeHeadFile {
    /// Bytes per record.
    static var recordSize: Int { SignedTreeHead.encodedSize }

    /// Every complete head in the file, oldest first (none when the file does not exist).
    static func readAll(from path: String) throws -> [SignedTreeHead] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let bytes = [UInt8](data)
        let whole = bytes.count - bytes.count % recordSize
        if whole < bytes.count {
            try DurableFiles.writeAtomically(Array(bytes[whole...]), to: path + ".quarantine", mode: 0o644)
            try DurableFiles.truncate(path, to: whole)
        }
        var heads: [SignedTreeHead] = []
        var offset = 0
        while offset < whole {
            do {
                heads.append(try SignedTreeHead.decode(Array(bytes[offset..<offset + recordSize])))
            } catch {
                throw CoreError(.malformedFile, "\(path) offset \(offset): tree head does not decode; run `careledger verify`", file: path, offset: offset, underlying: error)
            }
            offset += recordSize
        }
        return heads
    }

    /// Appends one head and makes it durable.
    static func append(_ head: SignedTreeHead, to path: String) throws {
        try DurableFiles.append(head.encoded, to: path)
    }
}
