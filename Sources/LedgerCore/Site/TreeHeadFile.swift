import Foundation

/// The append-only file of signed tree heads: fixed-size records (Specs/site-layout.md §3).
///
/// Each record is one `SignedTreeHead` encoding. A torn last record (a crash mid-write) is
/// copied to `heads.log.quarantine-OFFSET` and cut off on open; it was never acknowledged.
enum TreeHeadFile {
    /// Bytes per record.
    static var recordSize: Int { SignedTreeHead.encodedSize }

    /// Every complete head in the file, oldest first (none when the file does not exist),
    /// and a fault for each record that does not decode (kept out of the list, never fatal).
    /// - Parameter repair: set a torn last record aside and cut it (false: leave it, unread).
    static func readAll(from path: String, repair: Bool = true) throws -> (heads: [SignedTreeHead], faults: [LedgerFault]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        let bytes = [UInt8](data)
        let whole = bytes.count - bytes.count % recordSize
        if whole < bytes.count && repair {
            try DurableFiles.writeAtomically(Array(bytes[whole...]), to: path + ".quarantine-\(whole)", mode: 0o644)
            try DurableFiles.truncate(path, to: whole)
        }
        var heads: [SignedTreeHead] = []
        var faults: [LedgerFault] = []
        var offset = 0
        while offset < whole {
            do {
                heads.append(try SignedTreeHead.decode(Array(bytes[offset..<offset + recordSize])))
            } catch {
                faults.append(LedgerFault(file: "heads.log", offset: Int64(offset), what: "tree head does not decode: \(error)"))
            }
            offset += recordSize
        }
        return (heads, faults)
    }

    /// Appends one head and makes it durable.
    static func append(_ head: SignedTreeHead, to path: String) throws {
        try DurableFiles.append(head.encoded, to: path)
    }
}
