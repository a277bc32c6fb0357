/// The append-only file of signed tree heads: fixed-size records (Specs/site-layout.md §3).
///
/// Each record is one `SignedTreeHead` encoding. A torn last record (a crash mid-write: a
/// partial record, or a whole one whose version byte is 0) is copied to
/// `heads.log.quarantine-OFFSET` and cut off on open; it was never acknowledged.
enum TreeHeadFile {
    /// Bytes per record.
    static var recordSize: Int { SignedTreeHead.encodedSize }

    /// What the file holds: every complete head that decodes, oldest first, a fault for each
    /// record that does not (kept out of the list, never fatal), and how many whole records
    /// the file holds (where the next one goes).
    struct Contents {
        var heads: [SignedTreeHead] = []
        var faults: [LedgerFault] = []
        var records = 0

        /// Forgets a last record that does not decode: to a snapshot reader beside a live
        /// writer it is a head still being written, not damage (Specs/site-layout.md §8).
        mutating func dropRecordsInProgress() {
            let last = Int64((records - 1) * TreeHeadFile.recordSize)
            guard records > 0, faults.last?.offset == last else { return }
            faults.removeLast()
            records -= 1
        }
    }

    /// Reads the file (nothing when it does not exist).
    /// - Parameter repair: set a torn last record aside and cut it (false: leave it, unread).
    static func readAll(from path: String, repair: Bool = true, files: FileIO) throws -> Contents {
        guard let bytes = try files.contents(of: path, limit: 1 << 30) else { return Contents() }
        var whole = bytes.count - bytes.count % recordSize
        // A last record starting with a zero byte is torn too: no record version is 0, so the
        // start of its write never reached the disk (the file grew, its first sectors did not land).
        if whole >= recordSize && bytes[whole - recordSize] == 0 { whole -= recordSize }
        if whole < bytes.count && repair {
            try files.writeAtomically(Array(bytes[whole...]), to: path + ".quarantine-\(whole)")
            try files.truncate(path, to: whole)
        }
        var contents = Contents(records: whole / recordSize)
        var offset = 0
        while offset < whole {
            do {
                contents.heads.append(try SignedTreeHead.decode(Array(bytes[offset..<offset + recordSize])))
            } catch {
                contents.faults.append(LedgerFault(file: "heads.log", offset: Int64(offset), what: "tree head does not decode: \(error)"))
            }
            offset += recordSize
        }
        return contents
    }

    /// Writes `head` as record number `index` (the file's whole records so far) and, when
    /// `durably`, makes it durable (else the next sync of the file does, §3.1); whatever an
    /// earlier failed write left after that record is cut.
    static func write(_ head: SignedTreeHead, asRecord index: Int, to path: String, durably: Bool = true, files: FileIO) throws {
        if durably {
            try files.writeRecord(head.encoded, to: path, at: index * recordSize)
        } else {
            try files.writeRecordUnsynced(head.encoded, to: path, at: index * recordSize)
        }
    }
}
