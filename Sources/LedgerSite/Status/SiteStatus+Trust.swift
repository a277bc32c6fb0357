import LedgerCore

/// What `status` says about trust between sites: whether this site was restored from a
/// backup and healed, and the rollbacks or forks of peers' signed tree heads it keeps as
/// evidence (Specs/bundle-format.md §5.1).
public struct TrustStatus: Encodable, Sendable {
    /// One peer's contradicting signed tree heads, as `status --json` lists them.
    public struct EvidenceRow: Encodable, Sendable {
        /// The peer's key (hex), its name when a member, and `tree_head_rolled_back` or `tree_head_forked`.
        public let site: String, name: String?, kind: String
        /// The size of the head kept before and of the head that contradicts it.
        public let keptSize: UInt64, newSize: UInt64
        /// The line for people.
        public let line: String
    }

    /// One open dispute, as `status --json` lists it (Specs/charter.md §6).
    public struct DisputeRow: Encodable, Sendable {
        /// The dispute's id, the contested entry's id, and the reason given.
        public let dispute: String, entry: String, reason: String
        /// Resolutions written that wait for governance approvals.
        public let pendingResolutions: Int
    }

    /// Set once this site's own lost entries came back from peers.
    public var restored: RestoreSummary?
    /// Rollback and fork evidence about peers.
    public var rollbackEvidence: [EvidenceRow] = []
    /// Disputes not resolved yet.
    public var openDisputes: [DisputeRow] = []
    /// Charter changes waiting for governance approvals (Specs/charter.md §5).
    public var pendingProposals = 0

    /// Nothing to report.
    public init() {}

    /// Reads `ledger`'s restore history and tree-head evidence.
    public init(_ ledger: SiteLedger) {
        restored = ledger.restoreSummary()
        rollbackEvidence = ledger.rollbackEvidence().map {
            EvidenceRow(site: $0.peer.hex, name: ledger.charter.members[$0.peer]?.name, kind: $0.kind.code,
                        keptSize: $0.kept.treeSize, newSize: $0.new.treeSize, line: $0.line)
        }
        openDisputes = ledger.charter.openDisputes.map {
            DisputeRow(dispute: $0.id.hex, entry: $0.subject.entry.hex, reason: $0.subject.reason,
                       pendingResolutions: $0.pendingResolutions.count)
        }
        pendingProposals = ledger.charter.pendingProposals.count
    }

    /// Lines for people, empty when there is nothing to say.
    public var lines: [String] {
        (restored.map { [$0.line] } ?? []) + rollbackEvidence.map { "evidence: \($0.name.map { "\($0) " } ?? "")\($0.line)" }
            + openDisputes.map { "open dispute \($0.dispute) about entry \($0.entry): \($0.reason)" }
            + (pendingProposals > 0 ? ["\(pendingProposals) charter proposal(s) wait for governance approvals (`careledger members proposals`)"] : [])
    }
}

extension TrustStatus {
    /// The lines a sync prints: the restore line when this sync recovered own entries, and
    /// the evidence found by it.
    public func news(since before: TrustStatus) -> [String] {
        var lines: [String] = []
        if let restored, restored.recovered > (before.restored?.recovered ?? 0) { lines.append(restored.line) }
        let old = Set(before.rollbackEvidence.map(\.line))
        lines += rollbackEvidence.filter { !old.contains($0.line) }.map { "evidence: \($0.line)" }
        return lines
    }
}
