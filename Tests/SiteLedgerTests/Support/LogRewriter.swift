import Foundation
import LedgerCore
import LedgerStorage

/// Plays an attacker who rewrites a closed site's segment log *consistently*: every block
/// checksum and the key index are valid afterwards, so only the ledger's own checks
/// (signatures, author links, signed tree heads) can notice.
///
/// The site must be closed (its ledger deallocated) while the log is read and replaced.
enum LogRewriter {
    /// One record of the segment log: the key (the entry id when written) and the value.
    struct Record: Equatable {
        var key: [UInt8]
        var value: [UInt8]
    }

    /// Every record of `site`'s `log/` folder, in order.
    static func read(site: String) throws -> [Record] {
        let log = try SegmentLog(directory: SiteLayout(root: site).log)
        defer { log.close() }
        var records: [Record] = []
        try log.scan(from: 0) { record in
            records.append(Record(key: Array(record.key), value: Array(record.value)))
            return true
        }
        return records
    }

    /// Where each record of `site`'s log lives, read-only (so also for a log whose segments do
    /// not continue: it then ends before the first such segment).
    static func locations(site: String) throws -> [RecordLocation] {
        var options = SegmentLogOptions()
        options.readOnly = true
        let log = try SegmentLog(directory: SiteLayout(root: site).log, options: options)
        defer { log.close() }
        return try (0..<log.recordCount).map { try log.location(ofOrdinal: $0) }
    }

    /// Every file under `folder` (relative path → bytes), to show a check wrote nothing.
    static func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
            } else {
                files[path + "/"] = Data()
            }
        }
        return files
    }

    /// Writes `records` as a fresh segment log and swaps it in place of `site`'s `log/`.
    ///
    /// - Parameter seal: seal the segment afterwards (so it ends in an index and a tail).
    static func replace(site: String, with records: [Record], seal: Bool = false) throws {
        let layout = SiteLayout(root: site)
        let fresh = layout.log + ".rewritten"
        try? FileManager.default.removeItem(atPath: fresh)
        do {
            let log = try SegmentLog(directory: fresh)
            defer { log.close() }
            if !records.isEmpty { _ = try log.append(records.map { (key: $0.key, value: $0.value) }) }
            if seal { try log.sealActiveSegment() }
        }
        try FileManager.default.removeItem(atPath: layout.log)
        try FileManager.default.moveItem(atPath: fresh, toPath: layout.log)
    }

    /// Replaces `site`'s log with another folder's `log/` (a segment set from another site).
    static func transplant(from donor: String, into site: String) throws {
        let target = SiteLayout(root: site).log
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: SiteLayout(root: donor).log, toPath: target)
    }

    /// Seals `site`'s active segment (so later damage hits an immutable, indexed segment).
    static func seal(site: String) throws {
        let log = try SegmentLog(directory: SiteLayout(root: site).log)
        defer { log.close() }
        try log.sealActiveSegment()
    }

    /// The segment files of `site`'s log, sorted.
    static func segmentFiles(site: String) throws -> [String] {
        let folder = SiteLayout(root: site).log
        return try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".lz4") }.sorted().map { folder + "/" + $0 }
    }

    /// Deletes the Merkle store, as an attacker hiding traces would: the site rebuilds it
    /// from the (rewritten) log on open.
    static func dropMerkleStore(site: String) throws {
        try FileManager.default.removeItem(atPath: SiteLayout(root: site).merkle)
    }
}
