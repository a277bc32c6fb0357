extension SiteLedger {
    /// Writes a `charter.admit` entry. Only a governance member may admit.
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance.
    public func admit(_ admission: AdmitPayload) throws -> Entry {
        try requireGovernance()
        return try append(kind: CharterKind.admit, payloads: [try CanonicalJSON.encode(admission)])[0]
    }

    /// Writes a `charter.revoke` entry effective from `effectiveFrom` (default: now).
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance, `.notFound`
    ///   when the key is not a member.
    public func revoke(key: Hash32, reason: String, effectiveFrom: HybridTimestamp? = nil) throws -> Entry {
        try requireGovernance()
        guard charter.members[key] != nil else {
            throw CoreError(.notFound, "\(key.hex) is not a member of this network; `careledger members list` shows the members")
        }
        let from = effectiveFrom ?? clock.now()
        let held = chains.nextSequence(of: key)
        let payload = RevokePayload(key: key, reason: reason, effectiveFrom: from,
                                    lastTrustedSequence: held > 0 ? held - 1 : nil)
        return try append(kind: CharterKind.revoke, payloads: [try CanonicalJSON.encode(payload)])[0]
    }

    /// Moves quarantined entries that are now trusted into the log.
    @discardableResult
    public func releaseQuarantine() throws -> IngestReport {
        try ingest([])
    }

    private func requireGovernance() throws {
        guard case .member(.governance) = charter.status(of: siteKey, at: clock.last) else {
            throw CoreError(.notPermitted, "this site (\(metadata.name)) is not a governance member; only governance sites admit or revoke")
        }
    }
}
