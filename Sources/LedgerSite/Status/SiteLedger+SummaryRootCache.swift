import Foundation
import LedgerCore
import LedgerIndex

extension SiteLedger {
    /// The summary root (``summaryRoot()``), computed once per state of the site and kept in
    /// the derived-state database: the state is the log's size and the quarantined ids (the
    /// log only grows, and a log cut and rewritten rebuilds the database, forgetting it).
    /// - Throws: the log's errors.
    public func cachedSummaryRoot() throws -> Hash32 {
        guard let index = try currentIndex() else { return try summaryRoot() }
        var key = withUnsafeBytes(of: UInt64(entryCount).bigEndian) { Array($0) }
        key += Hash32.sha256(quarantined.map(\.entry.id).sorted().flatMap(\.bytes)).bytes
        if let cached = try? index.cachedValue("summary_root", for: Data(key)), let root = Hash32(bytes: [UInt8](cached)) {
            return root
        }
        let root = try summaryRoot()
        try? index.cache(Data(root.bytes), as: "summary_root", for: Data(key))
        return root
    }
}
