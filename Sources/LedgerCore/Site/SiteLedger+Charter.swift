extension SiteLedger {
    /// Writes a `charter.admit` entry. Only a governance member may admit. With a quorum
    /// above 1 the entry is a proposal that applies once enough governance sites approve it
    /// (Specs/charter.md §5); `charter.proposals[entry.id]` says whether it is in effect.
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance.
    public func admit(_ admission: AdmitPayload) throws -> Entry {
        try requireGovernance()
        return try append(kind: CharterKind.admit, payloads: [try CanonicalJSON.encode(admission)])[0]
    }

    /// Writes a `charter.admit` entry that changes a member's role, keeping its name and keys
    /// (the latest applied admission of a key decides its role, Specs/charter.md §4).
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance, `.notFound`
    ///   when the key is not a member.
    public func changeRole(of key: Hash32, to role: MemberRole) throws -> Entry {
        try requireGovernance()
        guard let member = charter.members[key] else {
            throw CoreError(.notFound, "\(key.hex) is not a member of this network; `careledger members list` shows the members")
        }
        return try admit(AdmitPayload(key: key, agreementKey: member.agreementKey, name: member.name, role: role))
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

    /// Writes a `charter.approve` entry for a pending proposal (Specs/charter.md §5).
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance, `.notFound`
    ///   when this site holds no such proposal, `.alreadyExists` when it is already in
    ///   effect or this site already approved it.
    public func approve(proposal id: Hash32) throws -> Entry {
        try requireGovernance()
        guard let proposal = charter.proposals[id] else {
            throw CoreError(.notFound, "this site holds no proposal \(id.hex); `careledger members proposals` lists the pending ones (sync first if it was written elsewhere)")
        }
        if proposal.inEffect {
            throw CoreError(.alreadyExists, "proposal \(id.hex) is already in effect")
        }
        if proposal.approvers.contains(siteKey) {
            throw CoreError(.alreadyExists, "this site already approved proposal \(id.hex) (\(proposal.approvers.count) of \(charter.quorum))")
        }
        return try append(kind: CharterKind.approve, payloads: [try CanonicalJSON.encode(ApprovePayload(proposal: id))])[0]
    }

    /// Writes a `charter.amend` entry setting the network's default for `sync --mirror
    /// --witnesses` (Specs/charter.md §7). With a quorum above 1 it is a proposal that applies
    /// once enough governance sites approve it; `charter.witnessesDefault` says what is in force.
    /// - Throws: `CoreError` `.notPermitted` when this site is not governance, `.outOfRange`
    ///   when `witnesses` is outside 0–64, `.alreadyExists` when it is the value in force.
    public func amendWitnesses(_ witnesses: Int) throws -> Entry {
        try requireGovernance()
        let payload = AmendPayload(witnesses: witnesses)
        guard payload.isValid else {
            throw CoreError(.outOfRange, "a witnesses default must be 0 to 64, not \(witnesses)")
        }
        guard witnesses != charter.witnessesDefault else {
            throw CoreError(.alreadyExists, "the network's witnesses default is \(witnesses) already")
        }
        return try append(kind: CharterKind.amend, payloads: [try CanonicalJSON.encode(payload)])[0]
    }

    /// Moves quarantined entries that are now trusted into the log.
    @discardableResult
    public func releaseQuarantine() throws -> IngestReport {
        try ingest([])
    }

    /// The charter event an entry carries, or nil when it is no charter entry or its payload
    /// does not decode (such an entry is kept, and changes nothing).
    package static func charterEvent(of entry: Entry) -> NetworkCharter.Event? {
        let change: NetworkCharter.Change
        switch entry.kind {
        case CharterKind.admit:
            guard let payload = try? CanonicalJSON.decode(AdmitPayload.self, from: entry.payload) else { return nil }
            change = .admit(payload)
        case CharterKind.revoke:
            guard let payload = try? CanonicalJSON.decode(RevokePayload.self, from: entry.payload) else { return nil }
            change = .revoke(payload)
        case CharterKind.approve:
            guard let payload = try? CanonicalJSON.decode(ApprovePayload.self, from: entry.payload) else { return nil }
            change = .approve(payload)
        case DisputeKind.open:
            guard let payload = try? CanonicalJSON.decode(DisputeOpenPayload.self, from: entry.payload) else { return nil }
            change = .disputeOpen(payload)
        case DisputeKind.resolve:
            guard let payload = try? CanonicalJSON.decode(DisputeResolvePayload.self, from: entry.payload) else { return nil }
            change = .disputeResolve(payload)
        case CharterKind.amend:
            guard let payload = try? CanonicalJSON.decode(AmendPayload.self, from: entry.payload), payload.isValid else { return nil }
            change = .amend(payload)
        case profileKind:
            guard let payload = try? CanonicalJSON.decode(SiteProfilePayload.self, from: entry.payload) else { return nil }
            change = .profile(payload)
        default:
            return nil
        }
        return .init(entryID: entry.id, author: entry.author, timestamp: entry.timestamp, change: change)
    }

    func requireGovernance() throws {
        guard case .member(.governance) = charter.status(of: siteKey, at: clock.last) else {
            throw CoreError(.notPermitted, "this site (\(metadata.name)) is not a governance member; only governance sites admit, revoke or approve")
        }
    }
}
