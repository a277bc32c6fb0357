import LedgerCore
import LedgerStorage

extension SiteLedger {
    /// When `peer` wrote the newest bundle whose summary this site keeps (peers/KEY.summary),
    /// read from the record's first 45 bytes — version 1, the peer's key, the HLC (u64 wall
    /// milliseconds, u32 counter, big-endian) — without decoding the summary that follows,
    /// which grows with the peer's ledger. Nil when there is no record or its head is not
    /// one of `peer`'s.
    func peerSummaryTime(of peer: Hash32) -> HybridTimestamp? {
        let fileSystem = files.fileSystem
        guard let file = try? fileSystem.open(layout.peerSummary(peer), mode: .readOnly) else { return nil }
        defer { fileSystem.close(file) }
        guard let head = try? fileSystem.readExactly(file, count: 45, at: 0), head[0] == 1, Array(head[1..<33]) == peer.bytes else { return nil }
        let wall = head[33..<41].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let counter = head[41..<45].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return HybridTimestamp(wallMillis: wall, counter: counter)
    }
}
