import LedgerCore
import LedgerPrimitives

/// One rollback or fork of a peer's signed tree heads as `verify`, `stats` and `status`
/// show it (`rollback_evidence`): the peer, both sizes, and both signed heads (hex of their
/// encodings, Specs/merkle-log.md §7.1), so the proof can be handed on and checked anywhere.
struct RollbackEvidenceOutput: Encodable, Equatable {
    let site: String
    /// `tree_head_rolled_back` or `tree_head_forked`.
    let kind: String
    let keptSize: UInt64
    let newSize: UInt64
    let heads: [String]

    /// The evidence `ledger` keeps, by peer.
    static func list(_ ledger: SiteLedger) -> [RollbackEvidenceOutput] {
        ledger.rollbackEvidence().map {
            RollbackEvidenceOutput(site: $0.peer.hex, kind: $0.kind.code, keptSize: $0.kept.treeSize, newSize: $0.new.treeSize,
                                   heads: [Hex.encode($0.kept.encoded), Hex.encode($0.new.encoded)])
        }
    }

    /// One line per record, for people.
    static func printList(_ ledger: SiteLedger) {
        for evidence in ledger.rollbackEvidence() { print("evidence  \(evidence.line)") }
    }
}
