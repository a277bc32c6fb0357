/// Rollback and fork evidence about peers' signed tree heads (`peers/<key>.evidence`,
/// Specs/site-layout.md §6.1): kept, listed, never acted on by refusing a peer.
extension SiteLedger {
    /// The evidence file of `peer`.
    func evidencePath(_ peer: Hash32) -> String { layout.peers + "/\(peer.hex).evidence" }

    /// The evidence kept about `peer`, oldest first.
    /// - Throws: `CoreError.Code.malformedFile` when the file does not decode.
    public func rollbackEvidence(of peer: Hash32) throws -> [RollbackEvidence] {
        let path = evidencePath(peer)
        let limit = RollbackEvidence.encodedSize * RollbackEvidence.maximumPerPeer
        guard let data = try files.contents(of: path, limit: limit) else { return [] }
        do {
            return try RollbackEvidence.decodeAll(data)
        } catch {
            throw CoreError(.malformedFile, "the tree-head evidence about peer \(peer.hex) is damaged; restore \(path) from a backup", file: path, underlying: error)
        }
    }

    /// All evidence this site keeps, by peer key then in the order it was found. A damaged
    /// file is skipped here; ``rollbackEvidence(of:)`` names it, and keeping new evidence
    /// about that peer fails (a warning at import) rather than overwrite it.
    public func rollbackEvidence() -> [RollbackEvidence] {
        files.names(in: layout.peers).filter { $0.hasSuffix(".evidence") }.flatMap { name -> [RollbackEvidence] in
            guard let peer = Hash32(hex: String(name.dropLast(".evidence".count))) else { return [] }
            return (try? rollbackEvidence(of: peer)) ?? []
        }
    }

    /// Appends `evidence` to its peer's file unless the same pair is kept already or the
    /// file holds ``RollbackEvidence/maximumPerPeer`` records (atomic replace).
    /// - Throws: `CoreError.Code.io` or `.noSpace`; `.notPermitted` when opened read-only.
    public func keep(_ evidence: RollbackEvidence) throws {
        let held = try rollbackEvidence(of: evidence.peer)
        guard !held.contains(evidence), held.count < RollbackEvidence.maximumPerPeer else { return }
        try writePeerFile((held + [evidence]).flatMap { $0.encoded() }, to: evidencePath(evidence.peer))
    }
}
