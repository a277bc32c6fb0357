import LedgerCore

/// One `witness.split_view` entry a site holds, re-checked (Specs/static-log.md §8.3).
public struct WitnessEvidence: Sendable, Equatable {
    /// The entry's id.
    public var entryID: Hash32
    /// The witness that wrote it.
    public var author: Hash32
    /// The evidence.
    public var payload: WitnessSplitViewPayload
    /// What checking it offline shows.
    public var finding: WitnessSplitViewPayload.Finding

    /// Every `witness.split_view` entry in `ledger`'s log, oldest first, each re-checked
    /// offline; a payload that does not decode is listed as invalid. Scans the whole log.
    /// - Throws: only when the log cannot be read.
    public static func list(_ ledger: SiteLedger) throws -> [WitnessEvidence] {
        var found: [WitnessEvidence] = []
        try ledger.forEachEntry { _, entry in
            guard entry.kind == WitnessSplitViewPayload.kind else { return }
            guard let payload = try? CanonicalJSON.decode(WitnessSplitViewPayload.self, from: entry.payload) else {
                let empty = WitnessSplitViewPayload(origin: "", logKey: "", cosigned: "", refused: "", conflict: .fork, reason: "")
                found.append(WitnessEvidence(entryID: entry.id, author: entry.author, payload: empty, finding: .invalid("the payload does not decode")))
                return
            }
            found.append(WitnessEvidence(entryID: entry.id, author: entry.author, payload: payload, finding: payload.check()))
        }
        return found
    }
}
